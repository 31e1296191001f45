#include "admin/console_sessions.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace sluice::admin {
namespace {

using Role = ConsoleSession::Role;

TEST(ConsoleSessions, ANewSessionHasUnguessableIdsAndIsFoundUntilIdleOrOld) {
  ConsoleSessions sessions;
  const std::int64_t t0 = 1'000'000;
  const ConsoleSession s = sessions.create(Role::kWorkspaceAdmin, "key_1", "team-a", "h1", t0);
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
  const ConsoleSession busy = sessions.create(Role::kAdmin, "", "", "admin", t0);
  for (std::int64_t t = t0; t < t0 + ConsoleSessions::kMaxAgeMs; t += ConsoleSessions::kIdleMs / 2)
    ASSERT_TRUE(sessions.use(busy.id, t));
  EXPECT_FALSE(sessions.use(busy.id, t0 + ConsoleSessions::kMaxAgeMs + 1));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.insert(sessions.create(Role::kAdmin, "", "", "admin" + std::to_string(i), t0).id);
  EXPECT_EQ(ids.size(), 100u);
}

TEST(ConsoleSessions, SignOutEndsOneSession) {
  ConsoleSessions sessions;
  const auto a = sessions.create(Role::kDeveloper, "key_a", "", "ha", 0);
  const auto b = sessions.create(Role::kDeveloper, "key_b", "", "hb", 0);
  EXPECT_TRUE(sessions.end(b.id));
  EXPECT_FALSE(sessions.end(b.id));
  EXPECT_FALSE(sessions.use(b.id, 1));
  EXPECT_TRUE(sessions.use(a.id, 1));
  EXPECT_FALSE(sessions.use("", 1));
}

TEST(ConsoleSessions, OneKeySigningInAgainAndAgainPushesOutOnlyItsOwnSessions) {
  ConsoleSessions sessions;
  const auto admin = sessions.create(Role::kAdmin, "", "", "admin-hash", 0);
  const auto other = sessions.create(Role::kDeveloper, "key_b", "", "hb", 0);
  std::vector<std::string> mine;
  for (int i = 0; i < 1000; ++i)
    mine.push_back(sessions.create(Role::kDeveloper, "key_a", "", "ha", i + 1).id);
  EXPECT_EQ(sessions.size(), ConsoleSessions::kMaxPerKey + 2);
  EXPECT_TRUE(sessions.use(admin.id, 2000));
  EXPECT_TRUE(sessions.use(other.id, 2000));
  // The key's most recent sessions are the ones kept.
  EXPECT_TRUE(sessions.use(mine.back(), 2000));
  EXPECT_FALSE(sessions.use(mine.front(), 2000));
  EXPECT_FALSE(sessions.use(mine[mine.size() - ConsoleSessions::kMaxPerKey - 1], 2000));
  EXPECT_TRUE(sessions.use(mine[mine.size() - ConsoleSessions::kMaxPerKey], 2000));
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
