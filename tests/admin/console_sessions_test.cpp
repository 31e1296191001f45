#include "admin/console_sessions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sluice::admin {
namespace {

using Role = ConsoleSession::Role;

TEST(ConsoleSessions, ANewSessionHasUnguessableIdsAndIsFoundUntilIdleOrOld) {
  ConsoleSessions sessions;
  const std::int64_t t0 = 1'000'000;
  const ConsoleSession s = sessions.create(Role::kWorkspaceAdmin, "key_1", "team-a", t0);
  EXPECT_EQ(s.id.size(), 43u);    // 256 bits in base64url
  EXPECT_EQ(s.csrf.size(), 32u);  // 128 bits in hex
  EXPECT_EQ(
      s.id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto found = sessions.use(s.id, t0 + 1000);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->workspace, "team-a");
  EXPECT_EQ(role_name(found->role), "workspace_admin");
  // Idle for longer than kIdleMs: gone, and forgotten.
  EXPECT_FALSE(sessions.use(s.id, t0 + 1000 + ConsoleSessions::kIdleMs + 1));
  EXPECT_EQ(sessions.size(), 0u);
  // Used all along, it still ends at kMaxAgeMs.
  const ConsoleSession busy = sessions.create(Role::kAdmin, "", "", t0);
  for (std::int64_t t = t0; t < t0 + ConsoleSessions::kMaxAgeMs; t += ConsoleSessions::kIdleMs / 2)
    ASSERT_TRUE(sessions.use(busy.id, t));
  EXPECT_FALSE(sessions.use(busy.id, t0 + ConsoleSessions::kMaxAgeMs + 1));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(sessions.create(Role::kAdmin, "", "", t0).id);
  EXPECT_EQ(ids.size(), 100u);
}

TEST(ConsoleSessions, SignOutEndsOneSessionOrEveryOneOfAKey) {
  ConsoleSessions sessions;
  const auto a = sessions.create(Role::kDeveloper, "key_a", "", 0);
  const auto a2 = sessions.create(Role::kDeveloper, "key_a", "", 0);
  const auto b = sessions.create(Role::kDeveloper, "key_b", "", 0);
  EXPECT_TRUE(sessions.end(b.id));
  EXPECT_FALSE(sessions.end(b.id));
  sessions.end_key("key_a");
  EXPECT_FALSE(sessions.use(a.id, 1));
  EXPECT_FALSE(sessions.use(a2.id, 1));
  EXPECT_FALSE(sessions.use("", 1));
}

TEST(CookieValue, ReadsOneCookieOfAHeader) {
  EXPECT_EQ(cookie_value("a=1; sluice_session=abc-_; b=2", "sluice_session"), "abc-_");
  EXPECT_EQ(cookie_value("sluice_session=\"q\"", "sluice_session"), "q");
  EXPECT_EQ(cookie_value("xsluice_session=1; sluice_sessionx=2", "sluice_session"), "");
  EXPECT_EQ(cookie_value("", "sluice_session"), "");
  EXPECT_EQ(cookie_value(";;=;sluice_session", "sluice_session"), "");
}

}  // namespace
}  // namespace sluice::admin
