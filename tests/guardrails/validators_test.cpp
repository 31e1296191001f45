// The validators on the edges of what they accept: check digits, ranges, layouts, randomness.
#include "guardrails/validators.hpp"

#include <gtest/gtest.h>

namespace sluice::guardrails {
namespace {

TEST(Validators, Luhn) {
  EXPECT_TRUE(luhn_valid("79927398713"));  // the textbook example
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_TRUE(luhn_valid("4111 1111 1111 1111"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("abc"));
}

TEST(Validators, CreditCardsNeedAnIssuerALengthAndALayout) {
  for (const char* good :
       {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444",
        "2223003122003222", "378282246310005", "3782 822463 10005", "6011111111111117",
        "3530111333300000", "30569309025904", "4222222222222"}) {
    EXPECT_TRUE(credit_card_valid(good)) << good;
  }
  for (const char* bad : {
           "4111111111111112",      // Luhn
           "9111111111111110",      // no such issuer (Luhn-valid)
           "378282246310",          // Amex is 15 digits
           "4111 11111111 1111",    // groups
           "4111-1111 1111-1111",   // two separators
           "4111  1111 1111 1111",  // doubled
           "1234567812345670",      // Luhn-valid, issuer 1
       }) {
    EXPECT_FALSE(credit_card_valid(bad)) << bad;
  }
}

TEST(Validators, IbanChecksumAndCountryLength) {
  EXPECT_TRUE(iban_valid("DE89370400440532013000"));
  EXPECT_TRUE(iban_valid("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_TRUE(iban_valid("NO9386011117947"));
  EXPECT_FALSE(iban_valid("DE88370400440532013000"));       // checksum
  EXPECT_FALSE(iban_valid("DE8937040044053201300"));        // length for DE
  EXPECT_FALSE(iban_valid("XX89370400440532013000"));       // no such country
  EXPECT_FALSE(iban_valid("DE89 37040 044 0532 0130 00"));  // grouping
  EXPECT_EQ(iban_length_for("FR"), 27);
  EXPECT_EQ(iban_length_for("ZZ"), 0);
}

TEST(Validators, UsSsnRanges) {
  EXPECT_TRUE(us_ssn_valid("123-45-6789"));
  EXPECT_TRUE(us_ssn_valid("555 12 1234"));
  for (const char* bad : {"000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000",
                          "123-45 6789", "12-345-6789"}) {
    EXPECT_FALSE(us_ssn_valid(bad)) << bad;
  }
}

TEST(Validators, IpAddresses) {
  EXPECT_TRUE(ipv4_valid("192.168.0.1"));
  EXPECT_TRUE(ipv4_valid("0.0.0.0"));
  EXPECT_FALSE(ipv4_valid("256.1.1.1"));
  EXPECT_FALSE(ipv4_valid("1.2.3"));
  EXPECT_FALSE(ipv4_valid("01.2.3.4"));
  EXPECT_FALSE(ipv4_valid("1.2.3.4.5"));
  EXPECT_TRUE(ipv6_valid("2001:db8::8a2e:370:7334"));
  EXPECT_TRUE(ipv6_valid("::ffff:192.0.2.1"));
  EXPECT_FALSE(ipv6_valid("00:1A:2B:3C:4D:5E"));  // a MAC address
  EXPECT_FALSE(ipv6_valid("12:30:45"));
}

TEST(Validators, Phones) {
  for (const char* good : {"+44 20 7946 0958", "+1 (415) 555-0132", "+4915112345678",
                           "(415) 555-0132", "415-555-0132", "415.555.0132", "(415)555-0132"}) {
    EXPECT_TRUE(phone_valid(good)) << good;
  }
  for (const char* bad : {"(115) 555-0132", "415-155-0132", "415-555.0132", "+0 123 4567 890",
                          "+1234567", "415--555-0132", "(415 555-0132"}) {
    EXPECT_FALSE(phone_valid(bad)) << bad;
  }
}

TEST(Validators, Emails) {
  EXPECT_TRUE(email_valid("jane.doe+tag@mail.example.co.uk"));
  EXPECT_FALSE(email_valid("user@localhost"));
  EXPECT_FALSE(email_valid(".jane@example.com"));
  EXPECT_FALSE(email_valid("ja..ne@example.com"));
  EXPECT_FALSE(email_valid("jane@-example.com"));
  EXPECT_FALSE(email_valid("jane@example.c0m"));
}

TEST(Validators, RandomnessTellsSecretsFromPlaceholders) {
  EXPECT_TRUE(looks_random("Zx8kQ2mP9vL4rT7wB1nC"));
  EXPECT_FALSE(looks_random("your-api-key-goes-here-please"));
  EXPECT_FALSE(looks_random("xxxxxxxxxxxxxxxxxxxxxxxx"));
  EXPECT_FALSE(looks_random("abcdefghijklmnopqrstuvwx"));
  EXPECT_FALSE(looks_random("1234567890abcdef1234"));              // an ascending run
  EXPECT_FALSE(looks_random("Zx8kQ2mP9v"));                        // too short
  EXPECT_TRUE(looks_random("GRPHakajHwdV_XLZUAzSPTbFRqFgOQhVu"));  // both cases, no digits
  EXPECT_FALSE(looks_random("zxkqmpvlrtwbnczxkqmpvl"));            // one case only
  EXPECT_NEAR(shannon_entropy("abab"), 1.0, 1e-9);
  EXPECT_TRUE(looks_like_placeholder("sk-proj-xxxxxxxx"));
  EXPECT_FALSE(looks_like_placeholder("35268511da725219333355ab"));  // hex has runs of four
  EXPECT_TRUE(looks_like_placeholder("<REDACTED>"));
}

}  // namespace
}  // namespace sluice::guardrails
