#include "config/alerts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

std::optional<std::string> env(const std::string& name) {
  if (name == "HOOK_KEY") return std::string("hook-signing-key");
  return std::nullopt;
}

Result<SnapshotPtr> load(const std::string& alerts) {
  return load_string(
      "endpoints: [{name: e, endpoint_type: llm/v1/chat, model: {provider: mock}}]\n" + alerts,
      "cfg.yaml", env);
}

TEST(AlertsConfig, ReadsWebhooksWithTheirSecretAndEvents) {
  auto s = load(R"(alerts:
  webhooks:
    - url: https://hooks.example.com/a/b
      secret: ${{ secrets.HOOK_KEY }}
      events: [budget.exceeded]
    - url: http://127.0.0.1:9/
)");
  ASSERT_TRUE(s) << s.error().message;
  const auto& hooks = (*s)->alerts.webhooks;
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].url.host, "hooks.example.com");
  EXPECT_EQ(hooks[0].target, "/a/b");
  EXPECT_EQ(hooks[0].secret, "hook-signing-key");
  EXPECT_TRUE(hooks[0].wants(kBudgetExceeded));
  EXPECT_FALSE(hooks[0].wants(kBudgetThreshold));
  EXPECT_EQ(hooks[1].target, "/");
  EXPECT_TRUE(hooks[1].wants(kBudgetThreshold));  // no events: every one
  EXPECT_TRUE(load("").value()->alerts.webhooks.empty());
}

TEST(AlertsConfig, RefusesWhatItCannotUse) {
  auto error = [](const std::string& yaml) {
    auto s = load(yaml);
    return s ? std::string("<loaded>") : s.error().message;
  };
  EXPECT_THAT(error("alerts: {webhooks: [{url: ftp://x/}]}\n"),
              HasSubstr("alerts.webhooks[0].url"));
  EXPECT_THAT(error("alerts: {webhooks: [{secret: x}]}\n"), HasSubstr("url is required"));
  EXPECT_THAT(error("alerts: {webhooks: [{url: 'http://x/', events: [budget.spent]}]}\n"),
              HasSubstr("unknown event 'budget.spent'"));
  EXPECT_THAT(error("alerts: {webhooks: [{url: 'http://x/', events: []}]}\n"),
              HasSubstr("non-empty list"));
  EXPECT_THAT(error("alerts: {hooks: []}\n"), HasSubstr("unknown key 'hooks'"));
  // A secret's value never appears in an error.
  EXPECT_THAT(error("alerts: {webhooks: [{url: 'http://x/', secret: ${{ secrets.HOOK_KEY }}, "
                    "events: [x]}]}\n"),
              ::testing::Not(HasSubstr("hook-signing-key")));
}

}  // namespace
}  // namespace sluice::config
