#include "pipeline/paths.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {

using Kind = PathMatch::Kind;

TEST(MatchPath, OpenAiPaths) {
  auto m = match_path("POST", "/v1/chat/completions");
  EXPECT_EQ(m.kind, Kind::kInvoke);
  EXPECT_EQ(m.api, "openai");
  EXPECT_EQ(m.operation, model::Operation::kChat);
  EXPECT_EQ(match_path("POST", "/v1/embeddings").operation, model::Operation::kEmbeddings);
  auto model = match_path("GET", "/v1/models/chat-1");
  EXPECT_EQ(model.kind, Kind::kOpenAiModel);
  EXPECT_EQ(model.name, "chat-1");
  auto wrong = match_path("GET", "/v1/completions");
  EXPECT_EQ(wrong.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(wrong.allow, "POST");
  auto unknown = match_path("POST", "/v1/nothing");
  EXPECT_EQ(unknown.kind, Kind::kNotFound);
  EXPECT_EQ(unknown.api, "openai");
  // Found by a hostile probe: unknown provider-native paths answered in MLflow's shape.
  EXPECT_EQ(match_path("POST", "/gateway/anthropic/v1/messages/count_tokens").api, "anthropic");
  EXPECT_EQ(match_path("POST", "/gateway/openai/v1/files").api, "openai");
  EXPECT_EQ(match_path("POST", "/gateway/x/invocations").kind, Kind::kMlflowInvoke);
}

TEST(MatchPath, MlflowPaths) {
  auto inv = match_path("POST", "/endpoints/my-chat/invocations");
  EXPECT_EQ(inv.kind, Kind::kMlflowInvoke);
  EXPECT_EQ(inv.name, "my-chat");
  EXPECT_FALSE(inv.operation);
  EXPECT_EQ(match_path("POST", "/gateway/my-chat/invocations").name, "my-chat");
  EXPECT_EQ(match_path("GET", "/api/2.0/endpoints/").kind, Kind::kMlflowList);
  EXPECT_EQ(match_path("GET", "/api/2.0/endpoints").kind, Kind::kMlflowList);
  EXPECT_EQ(match_path("GET", "/api/2.0/endpoints/x").kind, Kind::kMlflowGet);
  EXPECT_EQ(match_path("GET", "/api/3.0/gateway/endpoint/x").kind, Kind::kMlflowGet);
  EXPECT_EQ(match_path("GET", "/api/2.0/gateway/routes/").kind, Kind::kMlflowListRoutes);
  EXPECT_EQ(match_path("GET", "/api/2.0/gateway/routes/x").kind, Kind::kMlflowGetRoute);
  EXPECT_EQ(match_path("GET", "/api/3.0/gateway/route/x").kind, Kind::kMlflowTrafficRoute);
  EXPECT_EQ(match_path("GET", "/api/2.0/endpoints/limits/x").kind, Kind::kMlflowLimits);
  EXPECT_EQ(match_path("POST", "/api/2.0/gateway/limits/").kind, Kind::kMlflowLimits);
  EXPECT_EQ(match_path("GET", "/endpoints/x/invocations").kind, Kind::kMethodNotAllowed);
  // a name is one segment: anything else is not a path of ours
  EXPECT_EQ(match_path("POST", "/endpoints/a/b/invocations").kind, Kind::kNotFound);
  EXPECT_EQ(match_path("POST", "/endpoints//invocations").kind, Kind::kNotFound);
  EXPECT_EQ(match_path("GET", "/health").kind, Kind::kHealth);
  EXPECT_EQ(match_path("GET", "/metrics").kind, Kind::kMetrics);
  EXPECT_EQ(match_path("GET", "/nothing").api, "mlflow");
}

}  // namespace sluice::pipeline

namespace sluice::pipeline {

TEST(Paths, ProviderNativePassthrough) {
  using Kind = PathMatch::Kind;
  auto m = match_path("POST", "/gateway/openai/v1/chat/completions");
  EXPECT_EQ(m.kind, Kind::kPassthrough);
  EXPECT_EQ(m.api, "openai");
  EXPECT_EQ(m.native, "/chat/completions");
  EXPECT_EQ(match_path("POST", "/gateway/openai/v1/embeddings").operation,
            model::Operation::kEmbeddings);
  EXPECT_EQ(match_path("POST", "/gateway/openai/v1/responses").native, "/responses");
  auto a = match_path("POST", "/gateway/anthropic/v1/messages");
  EXPECT_EQ(a.api, "anthropic");
  EXPECT_EQ(a.api, "anthropic");
  auto g = match_path("POST", "/gateway/gemini/v1beta/models/my-gemini:streamGenerateContent");
  EXPECT_EQ(g.kind, Kind::kPassthrough);
  EXPECT_EQ(g.name, "my-gemini");
  EXPECT_EQ(g.native, ":streamGenerateContent");
  EXPECT_EQ(match_path("POST", "/gateway/gemini/v1beta/models/:generateContent").kind,
            Kind::kNotFound);
  EXPECT_EQ(match_path("POST", "/gateway/gemini/v1beta/models/a/b:generateContent").kind,
            Kind::kNotFound);
  EXPECT_EQ(match_path("GET", "/gateway/anthropic/v1/messages").kind, Kind::kMethodNotAllowed);
  // MLflow's own /gateway/{name}/invocations is unaffected.
  EXPECT_EQ(match_path("POST", "/gateway/openai/invocations").kind, Kind::kMlflowInvoke);
}

// A kept response: GET and DELETE by id; other methods are told which two there are; the
// token counter beside it keeps its own path.
TEST(Paths, StoredResponsesById) {
  for (const char* method : {"GET", "DELETE"}) {
    PathMatch m = match_path(method, "/v1/responses/resp_1");
    EXPECT_EQ(m.kind, Kind::kStoredResponse) << method;
    EXPECT_EQ(m.name, "resp_1");
    EXPECT_EQ(m.api, "responses");
  }
  PathMatch put = match_path("PUT", "/v1/responses/resp_1");
  EXPECT_EQ(put.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(put.allow, "GET, DELETE");
  EXPECT_EQ(match_path("POST", "/v1/responses/input_tokens").kind, Kind::kCountTokens);
  EXPECT_EQ(match_path("GET", "/v1/responses/resp_1/input_items").kind, Kind::kNotFound);
}

}  // namespace sluice::pipeline

namespace sluice::pipeline {

// MLflow 3's raw proxy: the endpoint's name, then everything after it as the provider's path;
// POST only; an endpoint named "proxy" keeps its MLflow 3 invocation path.
TEST(Paths, RawProxy) {
  PathMatch m = match_path("POST", "/gateway/proxy/my-openai/chat/completions");
  EXPECT_EQ(m.kind, Kind::kRawProxy);
  EXPECT_EQ(m.name, "my-openai");
  EXPECT_EQ(m.native, "chat/completions");
  EXPECT_EQ(m.api, "mlflow");
  EXPECT_EQ(match_path("POST", "/gateway/proxy/g/models/gemini:streamGenerateContent").native,
            "models/gemini:streamGenerateContent");
  PathMatch get = match_path("GET", "/gateway/proxy/my-openai/models");
  EXPECT_EQ(get.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(get.allow, "POST");
  EXPECT_EQ(match_path("POST", "/gateway/proxy/mlflow/invocations").kind, Kind::kMlflowInvoke);
  for (const char* none : {"/gateway/proxy/", "/gateway/proxy/e", "/gateway/proxy/e/",
                           "/gateway/proxy//chat/completions"}) {
    EXPECT_EQ(match_path("POST", none).kind, Kind::kNotFound) << none;
  }
}

TEST(Paths, ProxyQueryProblem) {
  for (const char* fine : {"", "alt=sse", "beta=true&x=%20y", "a=/b?c", "k=v;w=1"})
    EXPECT_EQ(proxy_query_problem(fine), "") << fine;
  for (const char* bad : {"a#b", "a=\"x\"", "a=<b>", "a={}", "a|b", "a^b", "a`b", "a b", "a%",
                          "a%g0", "caf\xc3\xa9", "a\\b"})
    EXPECT_NE(proxy_query_problem(bad), "") << bad;
}

TEST(Paths, ProxyPathProblem) {
  for (const char* fine : {"chat/completions", "v1/messages", "models/gemini-2.0:generateContent",
                           "a%20b/c", "deployments/x/chat/completions", "x..y/.z", "%7Euser"}) {
    EXPECT_EQ(proxy_path_problem(fine), "") << fine;
  }
  for (const char* bad :
       {"",      "/chat", "a//b",     "a/",     "..",         "../admin", "a/../../b",
        ".",     "a/./b", "%2e%2e/x", "%2E./x", ".%2e",       "a%2fb",    "a%2F..",
        "a%5cb", "a\\b",  "a b",      "a%",     "a%2",        "a%zz",     "a%00b",
        "a%0ab", "a\x7f", "a#b",      "a?b",    "caf\xc3\xa9"}) {
    EXPECT_NE(proxy_path_problem(bad), "") << bad;
  }
}

}  // namespace sluice::pipeline
