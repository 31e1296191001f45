// Table-driven over tests/fixtures/cohere/*: OpenAI-dialect requests to Cohere's v2 chat and
// embed (JSON-equal bodies, paths, bearer key), answers and streams back (whole and split at
// every byte), errors mapped; plus what the provider cannot take.

#include "providers/cohere/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

namespace sluice::providers::cohere {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

constexpr const char* kKey = "co-test-key-0123456789";

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op,
                                            const std::string& unsupported = "") {
  ConfigMap config("test", "config");
  config.add("cohere_api_key", {kKey, true, "test:1:1"});
  if (!unsupported.empty()) config.add("unsupported_params", {unsupported, true, "test:1:2"});
  AdapterSpec spec{"e", op, model, &config};
  return make_cohere_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class CohereRequestFixture : public ::testing::TestWithParam<fs::path> {};
class CohereResponseFixture : public ::testing::TestWithParam<fs::path> {};
class CohereStreamFixture : public ::testing::TestWithParam<fs::path> {};
class CohereErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(CohereRequestFixture, RequestBodyPathAndKey) {
  const auto key =
      std::pair<std::string, std::string>("Authorization", std::string("Bearer ") + kKey);
  testing::check_request_fixture(load_case(GetParam()), &key);
}

TEST_P(CohereResponseFixture, ResponseBody) {
  testing::check_response_fixture(load_case(GetParam()));
}

TEST_P(CohereStreamFixture, StreamInOnePieceAndSplitAtEveryByte) {
  testing::check_stream_fixture(load_case(GetParam()));
}

TEST_P(CohereErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Fixtures, CohereRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("cohere",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, CohereResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("cohere", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, CohereStreamFixture,
                         ::testing::ValuesIn(testing::cases_with("cohere", "upstream_stream.sse")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, CohereErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("cohere", "expected_error.json")),
                         case_name);

TEST(CohereRequest, WhatItCannotTakeIsAClear400OrDropped) {
  const auto strict = make("command-a-03-2025", model::Operation::kChat);
  const auto lenient = make("command-a-03-2025", model::Operation::kChat, "drop");
  auto req = api::openai::parse_request(
                 model::Operation::kChat,
                 R"({"model": "c", "messages": [{"role": "user", "content": "x"}], "n": 2})")
                 .value();
  auto r = strict->translate_request(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "n");
  auto d = lenient->translate_request(req);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dropped, std::vector<std::string>{"n"});
  auto named =
      api::openai::parse_request(
          model::Operation::kChat,
          R"({"model": "c", "messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function", "function": {"name": "f"}}})")
          .value();
  auto n = strict->translate_request(named);
  ASSERT_FALSE(n);
  EXPECT_THAT(n.error().message, ::testing::HasSubstr("not a named function"));
}

TEST(CohereStream, AnErrorAtTheEndAndACutStreamAreErrors) {
  std::vector<model::StreamEvent> events;
  auto t = make_stream_translator("command-a-03-2025");
  auto r = t->feed(
      "event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"error\":\"internal "
      "error\"}}\n\n",
      events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "internal error");
  auto cut = make_stream_translator("command-a-03-2025");
  ASSERT_TRUE(cut->feed("event: message-start\ndata: {\"type\":\"message-start\",\"id\":\"x\"}\n\n",
                        events));
  EXPECT_FALSE(cut->finish(events));
}

}  // namespace
}  // namespace sluice::providers::cohere
