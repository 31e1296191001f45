#include "pipeline/paths.hpp"

#include "governance/admin_api.hpp"

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
      {"/v1/tokenize", "POST", Kind::kTokenize, Dialect::kOpenAi, std::nullopt},
  };
  for (const auto& f : kFixed) {
    if (f.path == path)
      return with_method(method, f.method,
                         PathMatch{f.kind, f.dialect, f.operation, {}, {}, {}, {}});
  }
  if (governance::is_governance_admin_path(path))
    return PathMatch{Kind::kAdminGovernance, Dialect::kOpenAi, std::nullopt, {}, {}, {}, {}};
  // Provider-native passthrough, as the newer MLflow gateway has it.
  struct Native {
    std::string_view path, family, native;
    model::Operation operation;
  };
  static constexpr Native kNative[] = {
      {"/gateway/openai/v1/chat/completions", "openai", "/chat/completions",
       model::Operation::kChat},
      {"/gateway/openai/v1/embeddings", "openai", "/embeddings", model::Operation::kEmbeddings},
      {"/gateway/openai/v1/responses", "openai", "/responses", model::Operation::kChat},
      {"/gateway/anthropic/v1/messages", "anthropic", "/messages", model::Operation::kChat},
  };
  for (const auto& n : kNative) {
    if (n.path == path) {
      return with_method(method, "POST",
                         PathMatch{Kind::kPassthrough,
                                   n.family == "anthropic" ? Dialect::kAnthropic : Dialect::kOpenAi,
                                   n.operation,
                                   {},
                                   {},
                                   n.family,
                                   n.native});
    }
  }
  if (constexpr std::string_view kGemini = "/gateway/gemini/v1beta/models/";
      path.starts_with(kGemini)) {
    std::string_view rest = path.substr(kGemini.size());
    for (std::string_view verb :
         {std::string_view(":generateContent"), std::string_view(":streamGenerateContent")}) {
      if (rest.size() > verb.size() && rest.ends_with(verb) &&
          rest.substr(0, rest.size() - verb.size()).find('/') == std::string_view::npos) {
        return with_method(method, "POST",
                           PathMatch{Kind::kPassthrough,
                                     Dialect::kOpenAi,
                                     model::Operation::kChat,
                                     rest.substr(0, rest.size() - verb.size()),
                                     {},
                                     "gemini",
                                     verb});
      }
    }
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
      return with_method(method, p.method,
                         PathMatch{p.kind, p.dialect, std::nullopt, *name, {}, {}, {}});
    }
  }
  return PathMatch{Kind::kNotFound,
                   path.starts_with("/v1/") ? Dialect::kOpenAi : Dialect::kMlflow,
                   std::nullopt,
                   {},
                   {},
                   {},
                   {}};
}

}  // namespace sluice::pipeline
