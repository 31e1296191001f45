#include "api/mlflow/mlflow_api.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::api::mlflow {
namespace json = boost::json;

TEST(MlflowApi, ParsesValidBodiesIntoTheInternalRequest) {
  MlflowApi api;
  model::Request r;
  ASSERT_TRUE(api.parse(
      model::Operation::kChat,
      R"({"messages":[{"role":"user","content":"hi"}],"stream":true,"top_k":3,"extra_param":1})",
      r));
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.body.at("extra_param"), 1);  // passed through to the provider
  model::Request e;
  ASSERT_TRUE(api.parse(model::Operation::kEmbeddings, R"({"input":[[1,2],[3]]})", e));
}

TEST(MlflowApi, CollectsEveryFieldViolation) {
  MlflowApi api;
  model::Request r;
  auto result =
      api.parse(model::Operation::kChat, R"({"messages":[],"temperature":-1,"stop":["a",2]})", r);
  ASSERT_FALSE(result);
  EXPECT_EQ(model::http_status(result.error()), 422u);
  auto detail = json::parse(result.error().detail_json).as_array();
  ASSERT_EQ(detail.size(), 3u);
  EXPECT_EQ(detail[0].at("loc"), json::parse(R"(["body","temperature"])"));
  EXPECT_EQ(detail[0].at("msg"), "Input should be greater than or equal to 0");
  EXPECT_EQ(detail[1].at("loc"), json::parse(R"(["body","stop",1])"));
  EXPECT_EQ(detail[2].at("type"), "too_short");
  auto rendered = json::parse(api.render_error(result.error()));
  EXPECT_TRUE(rendered.at("detail").is_array());
}

TEST(MlflowApi, RendersMlflowShapesDroppingUnknownFields) {
  MlflowApi api;
  model::Request req;
  req.operation = model::Operation::kChat;
  model::Response resp;
  resp.body =
      json::parse(
          R"({"id":"c1","object":"chat.completion","created":1,"model":"gpt","system_fingerprint":"fp",
      "choices":[{"index":0,"message":{"role":"assistant","content":"hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],
      "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"completion_tokens_details":{"reasoning_tokens":0}}})")
          .as_object();
  EXPECT_EQ(json::parse(api.render_response(req, resp)),
            json::parse(R"({"id":"c1","object":"chat.completion","created":1,"model":"gpt",
      "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}],
      "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})"));
  model::StreamEvent usage_only;
  usage_only.kind = model::StreamEvent::Kind::kUsage;
  EXPECT_EQ(api.render_stream_event(req, usage_only), "");
  EXPECT_EQ(api.stream_end(), "");
}

TEST(MlflowApi, ErrorBodies) {
  MlflowApi api;
  EXPECT_EQ(api.render_error(Error::invalid("bad")), R"({"detail":"bad"})");
  EXPECT_EQ(
      api.render_error(Error::make(ErrorCode::kRateLimited, "Rate limit exceeded: 2 per 1 minute")),
      R"({"error":"Rate limit exceeded: 2 per 1 minute"})");
}

TEST(MlflowApi, NativeParameterNamesAreRefusedPerProvider) {
  model::Request r;
  r.body = json::parse(R"({"max_tokens_to_sample":5})").as_object();
  auto refused = check_native_parameters("anthropic", r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "Invalid parameter max_tokens_to_sample. Use max_tokens instead.");
  EXPECT_EQ(model::http_status(refused.error()), 422u);
  EXPECT_TRUE(check_native_parameters("openai", r));
}

}  // namespace sluice::api::mlflow
