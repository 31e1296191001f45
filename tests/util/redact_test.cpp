#include "util/redact.hpp"

#include <gtest/gtest.h>

namespace sluice::util {

TEST(Redact, RemovesKnownSecrets) {
  EXPECT_EQ(redact("bad key abc123secret given", {"abc123secret"}), "bad key [REDACTED] given");
  EXPECT_EQ(redact("k=abc123secret;abc123secret", {"abc123secret"}), "k=[REDACTED];[REDACTED]");
}

TEST(Redact, MasksCredentialShapedTokens) {
  EXPECT_EQ(redact("Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOP.", {}),
            "Incorrect API key provided: sk-[REDACTED].");
  EXPECT_EQ(redact("header Bearer abcdefghijkl", {}), "header Bearer [REDACTED]");
}

TEST(Redact, LeavesOrdinaryTextAlone) {
  EXPECT_EQ(redact("task-force and sk-8 are fine", {"ab"}), "task-force and sk-8 are fine");
}

}  // namespace sluice::util
