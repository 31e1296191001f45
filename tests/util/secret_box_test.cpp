#include "util/secret_box.hpp"

#include <gtest/gtest.h>

#include "util/base64.hpp"

namespace sluice::util {
namespace {

const std::string kHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(SecretBox, KeyFromHexOrBase64Only) {
  auto hex = parse_secrets_key(kHex);
  ASSERT_TRUE(hex);
  EXPECT_EQ(hex->size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>((*hex)[31]), 0x1f);
  auto b64 = parse_secrets_key(base64_encode(*hex) + "\n");
  ASSERT_TRUE(b64);
  EXPECT_EQ(*b64, *hex);
  for (const char* bad :
       {"", "short", "zz02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "AAAA"}) {
    auto r = parse_secrets_key(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message.find(bad[0] ? bad : "\x01"), std::string::npos);
  }
}

TEST(SecretBox, SealsAndOpensWithTheSameKeyAndName) {
  const std::string key = *parse_secrets_key(kHex);
  const Sealed a = seal(key, "sk-live-abc", "openai-prod");
  const Sealed b = seal(key, "sk-live-abc", "openai-prod");
  EXPECT_NE(a.nonce, b.nonce);  // a fresh nonce each time
  EXPECT_NE(a.ciphertext, b.ciphertext);
  EXPECT_EQ(a.ciphertext.find("sk-live"), std::string::npos);
  EXPECT_EQ(open(key, a, "openai-prod"), "sk-live-abc");
  EXPECT_EQ(open(key, seal(key, "", "n"), "n"), "");
}

TEST(SecretBox, RefusesAnotherKeyNameOrAlteredBytes) {
  const std::string key = *parse_secrets_key(kHex);
  std::string other = key;
  other[0] ^= 1;
  const Sealed s = seal(key, "sk-live-abc", "openai-prod");
  EXPECT_FALSE(open(other, s, "openai-prod"));
  EXPECT_FALSE(open(key, s, "openai-test"));
  Sealed flipped = s;
  std::string raw = *base64_decode(s.ciphertext);
  raw[0] ^= 1;
  flipped.ciphertext = base64_encode(raw);
  EXPECT_FALSE(open(key, flipped, "openai-prod"));
  Sealed cut = s;
  cut.ciphertext = base64_encode(raw.substr(0, 10));
  EXPECT_FALSE(open(key, cut, "openai-prod"));
  EXPECT_FALSE(open(key, Sealed{"!!", s.ciphertext}, "openai-prod"));
}

TEST(SecretBox, KeyIdIsStableAndDoesNotRevealTheKey) {
  const std::string key = *parse_secrets_key(kHex);
  EXPECT_EQ(secrets_key_id(key), secrets_key_id(key));
  EXPECT_EQ(secrets_key_id(key).size(), 16u);
  std::string other = key;
  other[5] ^= 1;
  EXPECT_NE(secrets_key_id(key), secrets_key_id(other));
}

}  // namespace
}  // namespace sluice::util
