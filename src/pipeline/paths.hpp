#pragma once
// Which of sluice's HTTP paths a request is for: the OpenAI-compatible /v1/* paths, MLflow's
// REST paths, and the operational ones. A pure function, so the table is unit-tested.

#include <optional>
#include <string_view>

#include "model/request.hpp"

namespace sluice::pipeline {

struct PathMatch {
  enum class Kind {
    kNotFound,          // no such path
    kMethodNotAllowed,  // the path exists for another method: `allow`
    kInvoke,            // operation fixed by the path, endpoint in the body (/v1/chat/completions,
                        // /v1/completions, /v1/embeddings, /v1/messages)
    kOpenAiModels,      // GET /v1/models
    kOpenAiModel,       // GET /v1/models/{name}
    kMlflowInvoke,      // POST /endpoints/{name}/invocations, /gateway/{name}/invocations,
                        // /gateway/{name}/mlflow/invocations (MLflow 3)
    kNamedInvoke,       // POST to a named route's own path (from the config, not this table)
    kMlflowList,        // GET /api/2.0/endpoints/
    kMlflowGet,         // GET /api/2.0/endpoints/{name}, /api/3.0/gateway/endpoint/{name}
    kMlflowListRoutes,  // GET /api/2.0/gateway/routes/ (pre-3.0 shape)
    kMlflowGetRoute,    // GET /api/2.0/gateway/routes/{name} (pre-3.0 shape)
    kMlflowTrafficRoute,  // GET /api/3.0/gateway/route/{name}
    kMlflowLimits,        // the limits API MLflow declares but answers with 501
    kMetrics,
    kHealth,
    kAdmin,           // /admin/…, any method: admin/admin_api.hpp takes it from there
    kTokenize,        // POST /v1/tokenize
    kCountTokens,     // POST /v1/messages/count_tokens, /v1/responses/input_tokens
    kPassthrough,     // POST /gateway/{openai,anthropic,gemini}/…: the provider's own API
    kStoredResponse,  // GET / DELETE /v1/responses/{id}: a response this gateway kept
    kRawProxy,        // POST /gateway/proxy/{name}/{path}: the body sent on as it is (MLflow 3)
    kConsole,         // /ui, /ui/…: the web console's files and sign-in (console_paths.cpp)
    kKeyInfo,         // GET /v1/key: the calling gateway key's settings, budgets and spend
    kCount,           // (the number of kinds)
  };
  Kind kind = Kind::kNotFound;
  // The path family (api/registry.hpp) whose shapes the request and its errors take: "openai",
  // "anthropic", "mlflow"; on a passthrough path, the provider's dialect ("gemini" too).
  std::string_view api = "mlflow";
  std::optional<model::Operation> operation;
  std::string_view name;   // from the path
  std::string_view allow;  // for kMethodNotAllowed
  // kPassthrough: the provider's own path under its API root ("/chat/completions",
  // ":generateContent", …). kRawProxy: what follows the endpoint's name, without the '/'
  // ("chat/completions"); not checked here (proxy_path_problem).
  std::string_view native;
};

PathMatch match_path(std::string_view method, std::string_view path);

// Why the raw proxy must not send `path` (PathMatch::native of kRawProxy) on under a
// provider's API root, or "" when it may: empty segments (a leading or doubled '/'), "." and
// ".." (also percent-encoded: a provider that decodes them would climb out of its API root with
// the endpoint's credentials), an encoded '/' or backslash, and bytes outside RFC 3986's pchar
// set (§3.3; a raw backslash among them).
std::string_view proxy_path_problem(std::string_view path);
// The same for the raw proxy's query (without its '?'): "" when it is RFC 3986 query text
// (§3.4: pchar, '/' and '?', every '%' starting an encoding).
std::string_view proxy_query_problem(std::string_view query);

// Whether `path` is one of sluice's own paths or under one of its prefixes (/v1/, /api/,
// /endpoints/, /gateway/, /admin/): a named route may not take it (config::load_file).
bool is_reserved_path(std::string_view path);

}  // namespace sluice::pipeline
