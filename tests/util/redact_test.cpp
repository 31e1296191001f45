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

namespace sluice::util {

// A relayed stream may be cut anywhere, including inside the secret: every split is tried.
TEST(StreamRedactor, RedactsASecretSplitAtEveryByte) {
  const std::string secret = "sk-provider-secret-0123456789";
  const std::string text = "data: {\"error\":\"bad key " + secret + "\"}\n\ndata: [DONE]\n\n";
  const std::string expected = redact_exact(text, {secret});
  ASSERT_EQ(expected.find(secret), std::string::npos);
  for (std::size_t a = 0; a <= text.size(); ++a) {
    for (std::size_t b = a; b <= text.size(); b += 7) {
      StreamRedactor r({secret, "ab"});
      std::string out = r.feed(text.substr(0, a));
      out += r.feed(text.substr(a, b - a));
      out += r.feed(text.substr(b));
      out += r.finish();
      ASSERT_EQ(out, expected) << a << " " << b;
    }
  }
}

TEST(StreamRedactor, HoldsBackOnlyWhatCouldStartASecret) {
  StreamRedactor r({"sk-secret-value"});
  EXPECT_EQ(r.feed("data: hello\n\n"), "data: hello\n\n");  // nothing held: no 's' at the end
  EXPECT_EQ(r.feed("key sk-sec"), "key ");
  EXPECT_EQ(r.feed("ret-value!"), "[REDACTED]!");
  EXPECT_EQ(r.feed("a s"), "a ");
  EXPECT_EQ(r.finish(), "s");
}

TEST(StreamRedactor, WithoutSecretsPassesBytesThroughAtOnce) {
  StreamRedactor r({"ab"});  // too short to count as a secret
  EXPECT_FALSE(r.active());
  EXPECT_EQ(r.feed("ab cd"), "ab cd");
  EXPECT_EQ(r.finish(), "");
}

TEST(Redact, ExactLeavesCredentialShapedTextAlone) {
  EXPECT_EQ(redact_exact("sk-proj-ABCDEFGHIJKLMNOP and k3y-secret", {"k3y-secret"}),
            "sk-proj-ABCDEFGHIJKLMNOP and [REDACTED]");
}

}  // namespace sluice::util

namespace sluice::util {
namespace {

TEST(MaskUrlUserinfo, HidesUserAndPasswordOnly) {
  EXPECT_EQ(mask_url_userinfo("base 'http://user:pw@127.0.0.1:9/v1' must not hold a password"),
            "base 'http://***@127.0.0.1:9/v1' must not hold a password");
  EXPECT_EQ(mask_url_userinfo("a https://h/x?u=a@b and ftp://x@y"),
            "a https://h/x?u=a@b and ftp://***@y");
  EXPECT_EQ(mask_url_userinfo("no url here @ all"), "no url here @ all");
  EXPECT_EQ(mask_url_userinfo("http://a:b@c@host/"), "http://***@host/");
}

}  // namespace
}  // namespace sluice::util
