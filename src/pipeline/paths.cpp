#include "pipeline/paths.hpp"

#include <cctype>
#include <string>

namespace sluice::pipeline {
namespace {

using Kind = PathMatch::Kind;

constexpr std::string_view kOpenAi = "openai";
constexpr std::string_view kAnthropic = "anthropic";
constexpr std::string_view kMlflow = "mlflow";
constexpr std::string_view kResponses = "responses";

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
    std::string_view api;
    std::optional<model::Operation> operation;
  };
  static constexpr Fixed kFixed[] = {
      {"/v1/chat/completions", "POST", Kind::kInvoke, kOpenAi, model::Operation::kChat},
      // MLflow 3's tracking-server gateway: OpenAI's chat API, the endpoint in `model`.
      {"/gateway/mlflow/v1/chat/completions", "POST", Kind::kInvoke, kOpenAi,
       model::Operation::kChat},
      {"/v1/completions", "POST", Kind::kInvoke, kOpenAi, model::Operation::kCompletions},
      {"/v1/embeddings", "POST", Kind::kInvoke, kOpenAi, model::Operation::kEmbeddings},
      {"/v1/models", "GET", Kind::kOpenAiModels, kOpenAi, std::nullopt},
      {"/v1/key", "GET", Kind::kKeyInfo, kOpenAi, std::nullopt},
      {"/v1/messages", "POST", Kind::kInvoke, kAnthropic, model::Operation::kChat},
      {"/v1/responses", "POST", Kind::kInvoke, kResponses, model::Operation::kChat},
      {"/v1/messages/count_tokens", "POST", Kind::kCountTokens, kAnthropic, std::nullopt},
      {"/v1/responses/input_tokens", "POST", Kind::kCountTokens, kResponses, std::nullopt},
      {"/api/2.0/endpoints/", "GET", Kind::kMlflowList, kMlflow, std::nullopt},
      {"/api/2.0/endpoints", "GET", Kind::kMlflowList, kMlflow, std::nullopt},
      {"/api/2.0/gateway/routes/", "GET", Kind::kMlflowListRoutes, kMlflow, std::nullopt},
      {"/api/2.0/gateway/routes", "GET", Kind::kMlflowListRoutes, kMlflow, std::nullopt},
      {"/api/2.0/endpoints/limits/", "POST", Kind::kMlflowLimits, kMlflow, std::nullopt},
      {"/api/2.0/gateway/limits/", "POST", Kind::kMlflowLimits, kMlflow, std::nullopt},
      {"/metrics", "GET", Kind::kMetrics, kOpenAi, std::nullopt},
      {"/health", "GET", Kind::kHealth, kMlflow, std::nullopt},
      {"/v1/tokenize", "POST", Kind::kTokenize, kOpenAi, std::nullopt},
  };
  for (const auto& f : kFixed) {
    if (f.path == path)
      return with_method(method, f.method, PathMatch{f.kind, f.api, f.operation, {}, {}, {}});
  }
  if (path.starts_with("/admin/"))
    return PathMatch{Kind::kAdmin, kOpenAi, std::nullopt, {}, {}, {}};
  if (path == "/ui" || path.starts_with("/ui/"))
    return PathMatch{Kind::kConsole, kOpenAi, std::nullopt, {}, {}, {}};
  // MLflow 3's gateway management API, answered by the admin API (admin/admin_api.hpp).
  if (path.starts_with("/api/3.0/mlflow/gateway/") ||
      path.starts_with("/ajax-api/3.0/mlflow/gateway/"))
    return PathMatch{Kind::kAdmin, kMlflow, std::nullopt, {}, {}, {}};
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
                         PathMatch{Kind::kPassthrough, n.family, n.operation, {}, {}, n.native});
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
                                     "gemini",
                                     model::Operation::kChat,
                                     rest.substr(0, rest.size() - verb.size()),
                                     {},
                                     verb});
      }
    }
  }
  if (auto id = segment(path, "/v1/responses/")) {
    PathMatch m{Kind::kStoredResponse, kResponses, std::nullopt, *id, {}, {}};
    if (method == "GET" || method == "DELETE") return m;
    m.kind = Kind::kMethodNotAllowed;
    m.allow = "GET, DELETE";
    return m;
  }
  struct Pattern {
    std::string_view prefix, suffix, method;
    Kind kind;
    std::string_view api;
  };
  static constexpr Pattern kPatterns[] = {
      {"/v1/models/", "", "GET", Kind::kOpenAiModel, kOpenAi},
      {"/endpoints/", "/invocations", "POST", Kind::kMlflowInvoke, kMlflow},
      // MLflow 3's tracking-server gateway (chat or embeddings, as the endpoint is).
      {"/gateway/", "/mlflow/invocations", "POST", Kind::kMlflowInvoke, kMlflow},
      {"/gateway/", "/invocations", "POST", Kind::kMlflowInvoke, kMlflow},
      {"/api/2.0/endpoints/limits/", "", "GET", Kind::kMlflowLimits, kMlflow},
      {"/api/2.0/gateway/limits/", "", "GET", Kind::kMlflowLimits, kMlflow},
      {"/api/2.0/endpoints/", "", "GET", Kind::kMlflowGet, kMlflow},
      {"/api/3.0/gateway/endpoint/", "", "GET", Kind::kMlflowGet, kMlflow},
      {"/api/2.0/gateway/routes/", "", "GET", Kind::kMlflowGetRoute, kMlflow},
      {"/api/3.0/gateway/route/", "", "GET", Kind::kMlflowTrafficRoute, kMlflow},
  };
  for (const auto& p : kPatterns) {
    if (auto name = segment(path, p.prefix, p.suffix)) {
      return with_method(method, p.method, PathMatch{p.kind, p.api, std::nullopt, *name, {}, {}});
    }
  }
  if (constexpr std::string_view kProxy = "/gateway/proxy/"; path.starts_with(kProxy)) {
    // MLflow 3's raw proxy: the endpoint's name, then the provider's path (after the patterns:
    // /gateway/proxy/mlflow/invocations still invokes an endpoint named proxy).
    const std::string_view rest = path.substr(kProxy.size());
    const auto slash = rest.find('/');
    if (slash != 0 && slash != std::string_view::npos && slash + 1 < rest.size()) {
      return with_method(method, "POST",
                         PathMatch{Kind::kRawProxy,
                                   kMlflow,
                                   std::nullopt,
                                   rest.substr(0, slash),
                                   {},
                                   rest.substr(slash + 1)});
    }
  }
  // An unknown path answers in the shape of the API its prefix belongs to.
  std::string_view family = kMlflow;
  if (path.starts_with("/v1/") || path.starts_with("/gateway/openai/") ||
      path.starts_with("/gateway/mlflow/v1/"))
    family = kOpenAi;
  if (path.starts_with("/gateway/anthropic/")) family = kAnthropic;
  return PathMatch{Kind::kNotFound, family, std::nullopt, {}, {}, {}};
}

namespace {

// RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@" ('%' checked apart).
bool pchar(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("-._~!$&'()*+,;=:@%").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

bool hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string_view proxy_query_problem(std::string_view query) {
  for (std::size_t i = 0; i < query.size(); ++i) {
    const auto c = static_cast<unsigned char>(query[i]);
    if (!pchar(c) && c != '/' && c != '?') return "a character outside RFC 3986's query set";
    if (c == '%' && (i + 2 >= query.size() || !hex(query[i + 1]) || !hex(query[i + 2])))
      return "a '%' that starts no percent-encoding";
  }
  return {};
}

std::string_view proxy_path_problem(std::string_view path) {
  auto nibble = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0
               ? c - '0'
               : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
  };
  std::size_t start = 0;
  for (;;) {
    const auto end = path.find('/', start);
    const std::string_view seg =
        path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty()) return "an empty path segment";
    std::string decoded;  // "." and ".." as a provider would read them
    for (std::size_t i = 0; i < seg.size(); ++i) {
      const char c = seg[i];
      if (!pchar(static_cast<unsigned char>(c))) return "a character outside RFC 3986's path set";
      if (c != '%') {
        decoded += c;
        continue;
      }
      if (i + 2 >= seg.size() || !hex(seg[i + 1]) || !hex(seg[i + 2]))
        return "a '%' that starts no percent-encoding";
      const int v = nibble(seg[i + 1]) * 16 + nibble(seg[i + 2]);
      if (v == '/' || v == '\\') return "an encoded '/' or '\\'";
      if (v < 0x20 || v == 0x7f) return "an encoded control character";
      // Servers that decode twice, or read overlong UTF-8 or full-width dots as '.', would find
      // a climb in these: nothing a provider's API path needs.
      if (v == '%') return "an encoded '%'";
      if (v >= 0x80) return "an encoded byte outside ASCII";
      decoded += static_cast<char>(v);
      i += 2;
    }
    // A path parameter after ';' (RFC 3986 §3.3) does not hide a climb from servers that drop it.
    const std::string_view bare = std::string_view(decoded).substr(0, decoded.find(';'));
    if (bare == "." || bare == "..") return "a '.' or '..' segment";
    if (end == std::string_view::npos) return {};
    start = end + 1;
  }
}

bool is_reserved_path(std::string_view path) {
  if (match_path("POST", path).kind != Kind::kNotFound ||
      match_path("GET", path).kind != Kind::kNotFound)
    return true;
  for (std::string_view prefix : {"/v1/", "/api/", "/endpoints/", "/gateway/", "/admin/", "/ui/"}) {
    if (path.starts_with(prefix) || std::string(path) + "/" == prefix) return true;
  }
  return false;
}

}  // namespace sluice::pipeline
