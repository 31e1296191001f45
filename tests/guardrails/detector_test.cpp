// The built-in detectors on hand-picked cases (edges, look-alikes, overlaps), then on the
// labelled set in tests/fixtures/guardrails/pii.jsonl, whose precision and recall per entity are
// printed and held to a floor.
#include "guardrails/detector.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>

namespace sluice::guardrails {
namespace {

// "TYPE:value" for each finding.
std::vector<std::string> found(const Detector& d, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& f : d.scan(text)) {
    out.push_back(std::string(entity_name(f.entity)) + ":" +
                  std::string(text.substr(f.begin, f.end - f.begin)));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Detector, FindsEachKindInProse) {
  const Detector d;
  EXPECT_EQ(found(d, "Mail jane.doe@example.com or call +44 20 7946 0958."),
            (V{"EMAIL_ADDRESS:jane.doe@example.com", "PHONE_NUMBER:+44 20 7946 0958"}));
  EXPECT_EQ(found(d, "card 4111 1111 1111 1111, exp 12/27"),
            (V{"CREDIT_CARD:4111 1111 1111 1111"}));
  EXPECT_EQ(found(d, "IBAN: DE89 3704 0044 0532 0130 00."),
            (V{"IBAN_CODE:DE89 3704 0044 0532 0130 00"}));
  EXPECT_EQ(found(d, "SSN 123-45-6789"), (V{"US_SSN:123-45-6789"}));
  EXPECT_EQ(found(d, "from 10.0.0.12 and 2001:db8::1"),
            (V{"IP_ADDRESS:10.0.0.12", "IP_ADDRESS:2001:db8::1"}));
  EXPECT_EQ(found(d, "see (https://example.com/a_(b)?q=1)."),
            (V{"URL:https://example.com/a_(b)?q=1"}));
}

TEST(Detector, LookAlikesAreLeftAlone) {
  const Detector d;
  for (const char* text : {
           "version 1.2.3.4.5 and 10.256.1.1",   // not addresses
           "order 4111111111111112 shipped",     // fails Luhn
           "MAC 00:1A:2B:3C:4D:5E at 12:30:45",  // not IPv6
           "std::vector<int> and a::b",          // code
           "user@localhost and @handle",         // no TLD, a mention
           "api_key = \"your-key-here-please-1234\"", "token: xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
           "SSN 666-12-3456 is never issued",
           "call (115) 555-0132",  // NANP area codes start 2-9
       }) {
    EXPECT_EQ(found(d, text), V{}) << text;
  }
}

TEST(Detector, SecretsWithAndWithoutPrefixes) {
  const Detector d;
  const std::string openai = "sk-proj-" + std::string("Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5");
  EXPECT_EQ(found(d, "OPENAI_API_KEY=" + openai), (V{"API_KEY:" + openai}));
  EXPECT_EQ(found(d, "aws AKIAIOSFODNN7EXAMPL3 here"), (V{"API_KEY:AKIAIOSFODNN7EXAMPL3"}));
  EXPECT_EQ(found(d, R"({"db_password": "q8Z2rT6yU1iO9pA4sD7fG3hJ"})"),
            (V{"API_KEY:q8Z2rT6yU1iO9pA4sD7fG3hJ"}));
  EXPECT_EQ(found(d, "task-ant-like words"), V{});
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  EXPECT_EQ(found(d, "Bearer " + jwt), (V{"JWT:" + jwt}));
  const std::string pem =
      "-----BEGIN RSA PRIVATE "
      "KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
      "\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(found(d, "key:\n" + pem + "\n"), (V{"PRIVATE_KEY:" + pem}));
  EXPECT_EQ(found(d, "-----BEGIN PUBLIC KEY-----\nMFwwDQYJ\n-----END PUBLIC KEY-----"), V{});
}

TEST(Detector, AValueEndingEarlierIsStillFound) {
  const Detector d;
  // The pattern runs on into the year; the card ends before it.
  EXPECT_EQ(found(d, "4111-1111-1111-1111 2024"), (V{"CREDIT_CARD:4111-1111-1111-1111"}));
}

TEST(Detector, OnlyTheEntitiesAskedFor) {
  const Detector d({Entity::kEmailAddress});
  EXPECT_EQ(found(d, "a@example.com 123-45-6789"), (V{"EMAIL_ADDRESS:a@example.com"}));
  EXPECT_GE(Detector().max_span(), 4096U);  // a PEM block
}

// The labelled set: precision and recall per entity.
TEST(Detector, LabelledSetPrecisionAndRecall) {
  std::ifstream in(std::string(SLUICE_FIXTURES_DIR) + "/guardrails/pii.jsonl");
  ASSERT_TRUE(in) << "tests/fixtures/guardrails/pii.jsonl";
  const Detector d;
  std::map<std::string, std::array<int, 3>> counts;  // type -> {true pos, false pos, false neg}
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++samples;
    const auto sample = boost::json::parse(line).as_object();
    const std::string text(sample.at("text").as_string());
    std::multiset<std::string> expected;
    for (const auto& e : sample.at("entities").as_array()) {
      expected.insert(std::string(e.at("type").as_string()) + ":" +
                      std::string(e.at("value").as_string()));
    }
    for (const auto& f : found(d, text)) {
      const std::string type = f.substr(0, f.find(':'));
      if (auto it = expected.find(f); it != expected.end()) {
        ++counts[type][0];
        expected.erase(it);
      } else {
        ++counts[type][1];
        std::cout << "  false positive " << f << "  in: " << text.substr(0, 160) << "\n";
      }
    }
    for (const auto& missed : expected) {
      ++counts[missed.substr(0, missed.find(':'))][2];
      std::cout << "  missed " << missed << "  in: " << text.substr(0, 160) << "\n";
    }
  }
  EXPECT_GE(samples, 500);
  std::cout << "entity            precision  recall  (tp fp fn)\n";
  for (const auto& [type, c] : counts) {
    const double precision = c[0] + c[1] ? static_cast<double>(c[0]) / (c[0] + c[1]) : 1;
    const double recall = c[0] + c[2] ? static_cast<double>(c[0]) / (c[0] + c[2]) : 1;
    std::printf("%-16s  %9.3f  %6.3f  (%d %d %d)\n", type.c_str(), precision, recall, c[0], c[1],
                c[2]);
    EXPECT_GE(precision, 0.9) << type;
    EXPECT_GE(recall, 0.9) << type;
  }
}

}  // namespace
}  // namespace sluice::guardrails
