// The custom provider: request bodies from a JSON template filled with the client's fields (as
// JSON values), answers picked with JSON pointers, and its config checked at load time.

#include "providers/custom/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::providers::custom {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

Result<std::shared_ptr<const ProviderAdapter>> make(
    const std::map<std::string, std::string>& keys,
    model::Operation op = model::Operation::kCustom) {
  ConfigMap config("cfg.yaml:3:7", "endpoints[0].model.config");
  int line = 4;
  for (const auto& [k, v] : keys)
    config.add(k, {v, true, "cfg.yaml:" + std::to_string(line++) + ":9"});
  AdapterSpec spec{"sentiment", op, "", &config};
  return make_custom_adapter(spec);
}

model::Request request(const std::string& body) {
  model::Request r;
  r.operation = model::Operation::kCustom;
  r.body = json::parse(body).as_object();
  return r;
}

TEST(Custom, TemplateFilledWithJsonValues) {
  auto a =
      make({{"url", "https://ml.internal:8443/v2/predict?version=3"},
            {"headers.Authorization", "Bearer ml-token-0123"},
            {"request_template", R"({"instances": [{"text": {{ text }}}], "lang": {{lang}}})"}});
  ASSERT_TRUE(a) << a.error().message;
  // A quote or brace in a value stays inside its JSON string: no injection into the template.
  auto wire = (*a)->translate_request(request(R"({"text": "great \"product\"}", "lang": "en"})"));
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(wire->target, "/v2/predict?version=3");
  EXPECT_EQ(json::parse(wire->body),
            json::parse(R"({"instances": [{"text": "great \"product\"}"}], "lang": "en"})"));
  EXPECT_THAT(wire->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "Authorization", "Bearer ml-token-0123")));
  EXPECT_EQ((*a)->secrets(), std::vector<std::string>{"Bearer ml-token-0123"});
  auto missing = (*a)->translate_request(request(R"({"text": "x"})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().param, "lang");
}

TEST(Custom, AnswersPickedWithPointers) {
  auto fields = make({{"url", "http://127.0.0.1:9000/predict"},
                      {"response_fields.label", "/predictions/0/label"},
                      {"response_fields.score", "/predictions/0/score"}});
  ASSERT_TRUE(fields);
  auto req = request(R"({"text": "x"})");
  auto r = (*fields)->translate_response(
      req, UpstreamHead{200, {}},
      R"({"predictions": [{"label": "positive", "score": 0.93}], "model_version": "7"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::value(r->body), json::parse(R"({"label": "positive", "score": 0.93})"));
  auto gone = (*fields)->translate_response(req, UpstreamHead{200, {}}, R"({"predictions": []})");
  ASSERT_FALSE(gone);
  EXPECT_EQ(model::http_status(gone.error()), 502u);

  auto path = make({{"url", "http://127.0.0.1:9000/predict"}, {"response_path", "/outputs"}});
  auto p = (*path)->translate_response(req, UpstreamHead{200, {}}, R"({"outputs": [1, 2]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(json::value(p->body), json::parse(R"({"predictions": [1, 2]})"));
}

TEST(Custom, ConfigMistakesAreLoadErrors) {
  EXPECT_THAT(make({}).error().message, HasSubstr("url is required"));
  EXPECT_THAT(make({{"url", "http://x/p"}, {"request_template", R"({"text": "{{ text }}" )"}})
                  .error()
                  .message,
              HasSubstr("is not JSON once its {{ placeholders }} are filled"));
  EXPECT_THAT(make({{"url", "http://x/p"}, {"response_path", "outputs"}}).error().message,
              HasSubstr("must be a JSON pointer"));
  EXPECT_THAT(make({{"url", "http://x/p"}, {"method", "GET"}}).error().message,
              HasSubstr("must be POST or PUT"));
  EXPECT_THAT(make({{"url", "http://x/p"}}, model::Operation::kChat).error().message,
              HasSubstr("serves custom/v1/predict endpoints only"));
}

}  // namespace
}  // namespace sluice::providers::custom
