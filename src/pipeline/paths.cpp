#include "pipeline/paths.hpp"

namespace sluice::pipeline {
namespace {

using Kind = PathMatch::Kind;
using Dialect = PathMatch::Dialect;

// `path` is prefix + one segment (+ suffix); returns the segment or nullopt.
std::optional<std::string_view> segment(std::string_view path, std::string_view prefix,
                                        std::string_view suffix = {}) {
  if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
      path.size() <= prefix.size() + suffix.size()) {
    return std::nullopt;
  }
  std::string_view s = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (s.find('/') != std::string_view::npos) return std::nullopt;
  return s;
}

PathMatch with_method(std::string_view method, std::string_view want, PathMatch m) {
  if (method == want) return m;
  m.kind = Kind::kMethodNotAllowed;
  m.allow = want;
  return m;
}

}  // namespace

PathMatch match_path(std::string_view method, std::string_view path) {
  struct Fixed {
    std::string_view path, method;
    Kind kind;
    Dialect dialect;
    std::optional<model::Operation> operation;
  };
  static constexpr Fixed kFixed[] = {
      {"/v1/chat/completions", "POST", Kind::kOpenAiInvoke, Dialect::kOpenAi,
       model::Operation::kChat},
      {"/v1/completions", "POST", Kind::kOpenAiInvoke, Dialect::kOpenAi,
       model::Operation::kCompletions},
      {"/v1/embeddings", "POST", Kind::kOpenAiInvoke, Dialect::kOpenAi,
       model::Operation::kEmbeddings},
      {"/v1/models", "GET", Kind::kOpenAiModels, Dialect::kOpenAi, std::nullopt},
      {"/v1/messages", "POST", Kind::kOpenAiInvoke, Dialect::kAnthropic, model::Operation::kChat},
      {"/v1/messages/count_tokens", "POST", Kind::kAnthropicCountTokens, Dialect::kAnthropic,
       std::nullopt},
      {"/api/2.0/endpoints/", "GET", Kind::kMlflowList, Dialect::kMlflow, std::nullopt},
      {"/api/2.0/endpoints", "GET", Kind::kMlflowList, Dialect::kMlflow, std::nullopt},
      {"/api/2.0/gateway/routes/", "GET", Kind::kMlflowListRoutes, Dialect::kMlflow, std::nullopt},
      {"/api/2.0/gateway/routes", "GET", Kind::kMlflowListRoutes, Dialect::kMlflow, std::nullopt},
      {"/api/2.0/endpoints/limits/", "POST", Kind::kMlflowLimits, Dialect::kMlflow, std::nullopt},
      {"/api/2.0/gateway/limits/", "POST", Kind::kMlflowLimits, Dialect::kMlflow, std::nullopt},
      {"/metrics", "GET", Kind::kMetrics, Dialect::kOpenAi, std::nullopt},
      {"/health", "GET", Kind::kHealth, Dialect::kMlflow, std::nullopt},
      {"/admin/reload", "POST", Kind::kAdminReload, Dialect::kOpenAi, std::nullopt},
      {"/admin/routes", "GET", Kind::kAdminRoutes, Dialect::kOpenAi, std::nullopt},
  };
  for (const auto& f : kFixed) {
    if (f.path == path)
      return with_method(method, f.method, PathMatch{f.kind, f.dialect, f.operation, {}, {}});
  }
  struct Pattern {
    std::string_view prefix, suffix, method;
    Kind kind;
    Dialect dialect;
  };
  static constexpr Pattern kPatterns[] = {
      {"/v1/models/", "", "GET", Kind::kOpenAiModel, Dialect::kOpenAi},
      {"/endpoints/", "/invocations", "POST", Kind::kMlflowInvoke, Dialect::kMlflow},
      {"/gateway/", "/invocations", "POST", Kind::kMlflowInvoke, Dialect::kMlflow},
      {"/api/2.0/endpoints/limits/", "", "GET", Kind::kMlflowLimits, Dialect::kMlflow},
      {"/api/2.0/gateway/limits/", "", "GET", Kind::kMlflowLimits, Dialect::kMlflow},
      {"/api/2.0/endpoints/", "", "GET", Kind::kMlflowGet, Dialect::kMlflow},
      {"/api/3.0/gateway/endpoint/", "", "GET", Kind::kMlflowGet, Dialect::kMlflow},
      {"/api/2.0/gateway/routes/", "", "GET", Kind::kMlflowGetRoute, Dialect::kMlflow},
      {"/api/3.0/gateway/route/", "", "GET", Kind::kMlflowTrafficRoute, Dialect::kMlflow},
  };
  for (const auto& p : kPatterns) {
    if (auto name = segment(path, p.prefix, p.suffix)) {
      return with_method(method, p.method, PathMatch{p.kind, p.dialect, std::nullopt, *name, {}});
    }
  }
  return PathMatch{Kind::kNotFound,
                   path.starts_with("/v1/") ? Dialect::kOpenAi : Dialect::kMlflow,
                   std::nullopt,
                   {},
                   {}};
}

}  // namespace sluice::pipeline
