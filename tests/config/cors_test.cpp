#include "config/cors.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace sluice::config {
namespace {

CorsSpec load(const std::string& cors) {
  const std::string yaml = "server:\n  cors: " + cors +
                           "\nendpoints:\n  - {name: m, endpoint_type: llm/v1/chat, "
                           "model: {provider: mock, name: m}}\n";
  auto loaded = load_string(yaml, "t.yaml");
  EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().message);
  return loaded ? (*loaded)->server.cors : CorsSpec{};
}

TEST(Cors, ExactOriginsCompareCaseInsensitivelyAndWhole) {
  CorsSpec s = load(R"({allow_origins: ["https://App.Example.com", "http://127.0.0.1:5173"]})");
  EXPECT_TRUE(s.enabled);
  EXPECT_TRUE(s.allows_origin("https://app.example.com"));
  EXPECT_TRUE(s.allows_origin("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(s.allows_origin("http://127.0.0.1:5173"));
  EXPECT_FALSE(s.allows_origin("http://127.0.0.1:5174"));
  EXPECT_FALSE(s.allows_origin("https://app.example.com.evil.test"));
  EXPECT_FALSE(s.allows_origin("https://app.example.com/"));
  EXPECT_FALSE(s.allows_origin("null"));
  EXPECT_FALSE(s.allows_origin(""));
}

TEST(Cors, SubdomainPatternsCoverSubdomainsOnly) {
  CorsSpec s = load(R"({allow_origins: ["https://*.example.com"]})");
  EXPECT_TRUE(s.allows_origin("https://a.example.com"));
  EXPECT_TRUE(s.allows_origin("https://a.b.example.com"));
  EXPECT_FALSE(s.allows_origin("https://example.com"));
  EXPECT_FALSE(s.allows_origin("https://badexample.com"));
  EXPECT_FALSE(s.allows_origin("http://a.example.com"));
  EXPECT_FALSE(s.allows_origin("https://a.example.com:8443"));
  EXPECT_FALSE(s.allows_origin("https://a.example.com.evil.test"));
}

TEST(Cors, HeadersAndMethods) {
  CorsSpec any = load(R"({allow_origins: ["*"]})");
  EXPECT_TRUE(any.allows_origin("null") == false);  // not an origin sluice can echo
  EXPECT_TRUE(any.allows_origin("https://x.test"));
  EXPECT_TRUE(any.allows_headers("authorization, x-stainless-os,content-type"));
  EXPECT_FALSE(any.allows_headers("authorization\r\nset-cookie: a"));
  EXPECT_FALSE(any.allows_headers("a b"));
  EXPECT_TRUE(any.allows_headers(""));
  EXPECT_TRUE(any.allows_method("POST"));
  EXPECT_FALSE(any.allows_method("PUT"));
  EXPECT_FALSE(any.allows_method("post"));  // methods are case-sensitive

  CorsSpec listed =
      load(R"({allow_origins: ["*"], allow_headers: [Authorization], allow_methods: [PUT]})");
  EXPECT_TRUE(listed.allows_headers("authorization"));
  EXPECT_FALSE(listed.allows_headers("authorization, content-type"));
  EXPECT_TRUE(listed.allows_method("PUT"));
  EXPECT_FALSE(listed.allows_method("POST"));
}

TEST(Cors, OffByDefaultAndWhenDisabled) {
  auto loaded = load_string(
      "endpoints:\n  - {name: m, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}\n",
      "t.yaml");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE((*loaded)->server.cors.enabled);
  EXPECT_FALSE((*loaded)->server.cors.allows_origin("https://a.test"));
  CorsSpec off = load(R"({enabled: false, allow_origins: ["*"]})");
  EXPECT_FALSE(off.allows_origin("https://a.test"));
}

}  // namespace
}  // namespace sluice::config
