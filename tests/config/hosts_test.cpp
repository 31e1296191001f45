#include "config/hosts.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "governance/scope.hpp"

namespace sluice::config {
namespace {

Result<SnapshotPtr> load(const std::string& hosts) {
  return load_string("server:\n  hosts: " + hosts +
                         "\nendpoints:\n  - {name: m, endpoint_type: llm/v1/chat, "
                         "model: {provider: mock, name: m}}\n",
                     "t.yaml");
}

TEST(Hosts, HostHeaderLosesPortCaseAndTrailingDot) {
  EXPECT_EQ(host_of("ML.Example.com:8080"), "ml.example.com");
  EXPECT_EQ(host_of("ml.example.com."), "ml.example.com");
  EXPECT_EQ(host_of(" ml.example.com "), "ml.example.com");
  EXPECT_EQ(host_of("[::1]:80"), "[::1]");
  EXPECT_EQ(host_of("[::1]"), "[::1]");
  EXPECT_EQ(host_of("127.0.0.1:8080"), "127.0.0.1");
  EXPECT_EQ(host_of(""), "");
  // What host_of gives reads as itself again (as the host fuzzer checks).
  EXPECT_EQ(host_of("a. :80"), "a");
  EXPECT_EQ(host_of("ml.example.com. :8080"), "ml.example.com");
}

TEST(Hosts, MapsListedHostsOnly) {
  auto s = load("{ML.example.com: ml-team, \"[::1]\": local}");
  ASSERT_TRUE(s) << s.error().message;
  const ServerConfig& server = (*s)->server;
  ASSERT_NE(server.host_workspace("ml.example.com:443"), nullptr);
  EXPECT_EQ(*server.host_workspace("ml.example.com:443"), "ml-team");
  EXPECT_EQ(*server.host_workspace("ML.EXAMPLE.COM"), "ml-team");
  EXPECT_EQ(*server.host_workspace("[::1]:8080"), "local");
  EXPECT_EQ(server.host_workspace("ml.example.com.evil.test"), nullptr);
  EXPECT_EQ(server.host_workspace("evil.ml.example.com"), nullptr);
  EXPECT_EQ(server.host_workspace(""), nullptr);
}

TEST(Hosts, RefusesPortsSharedWorkspaceAndDuplicates) {
  for (const char* bad : {"{\"ml.example.com:80\": a}", "{ml.example.com: \"*\"}",
                          "{ml.example.com: a, ML.example.com: b}", "[ml.example.com]",
                          "{\"ml example.com\": a}", "{ml.example.com: \"\"}"}) {
    auto s = load(bad);
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_NE(s.error().message.find("server.hosts"), std::string::npos) << bad;
    }
  }
}

TEST(Hosts, WorkspaceScopeCountsTheDefaultWorkspaceToo) {
  governance::Subject named{"k", "", "", "e", "p", "ml-team"};
  governance::Subject plain{"k", "", "", "e", "p", ""};
  EXPECT_EQ(governance::counted_as(Scope::kWorkspace, "", named), "ml-team");
  EXPECT_EQ(governance::counted_as(Scope::kWorkspace, "ml-team", named), "ml-team");
  EXPECT_FALSE(governance::counted_as(Scope::kWorkspace, "other", named));
  ASSERT_TRUE(governance::counted_as(Scope::kWorkspace, "", plain));
  EXPECT_EQ(*governance::counted_as(Scope::kWorkspace, "", plain), "");
  EXPECT_FALSE(governance::counted_as(Scope::kWorkspace, "ml-team", plain));
}

}  // namespace
}  // namespace sluice::config
