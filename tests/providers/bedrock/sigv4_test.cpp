// SigV4 against AWS's published examples: the get-vanilla and
// get-vanilla-query-order-key-case vectors of the Signature Version 4 test suite
// (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service").

#include "providers/bedrock/sigv4.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::providers::bedrock {
namespace {

const AwsCredentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string authorization(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> headers;
  sign_v4(kExample,
          SigningInput{"GET", "example.amazonaws.com", "/", query, "", "us-east-1", "service",
                       "20150830T123600Z"},
          headers);
  for (const auto& [name, value] : headers) {
    if (name == "Authorization") return value;
  }
  return "";
}

TEST(SigV4, GetVanilla) {
  EXPECT_EQ(authorization(""),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, QueryParametersAreSortedBeforeSigning) {
  EXPECT_THAT(authorization("Param2=value2&Param1=value1"),
              ::testing::EndsWith(
                  "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
  EXPECT_EQ(authorization("Param2=value2&Param1=value1"),
            authorization("Param1=value1&Param2=value2"));
}

TEST(SigV4, SessionTokenAndEveryGivenHeaderAreSigned) {
  AwsCredentials temporary = kExample;
  temporary.session_token = "session-token-example";
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  sign_v4(temporary,
          SigningInput{"POST", "bedrock-runtime.us-east-1.amazonaws.com",
                       "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", "", "{}",
                       "us-east-1", "bedrock", "20240101T000000Z"},
          headers);
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"X-Amz-Date", "20240101T000000Z"}));
  EXPECT_EQ(headers[2].second, "session-token-example");
  EXPECT_THAT(headers[3].second,
              ::testing::HasSubstr(
                  "Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, "
                  "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="));
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(uri_encode("anthropic.claude-v2:1", false), "anthropic.claude-v2%3A1");
  EXPECT_EQ(uri_encode("/a b/%3A", true), "/a%20b/%253A");
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
}

}  // namespace
}  // namespace sluice::providers::bedrock
