#include "providers/gemini/adapter.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "providers/common/support.hpp"
#include "providers/gemini/google_auth.hpp"
#include "providers/gemini/translate.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {
constexpr std::string_view kDefaultBase = "https://generativelanguage.googleapis.com/v1beta";
}

GeminiAdapter::GeminiAdapter(GeminiSettings settings) : settings_(std::move(settings)) {
  if (!settings_.api_key.empty()) secrets_.push_back(settings_.api_key);
  if (settings_.token) secrets_.push_back(settings_.token->private_key());
}

void GeminiAdapter::authorize(UpstreamRequest& out) const {
  if (settings_.token) {
    out.headers.emplace_back("Authorization", "Bearer " + settings_.token->token());
  } else {
    out.headers.emplace_back("x-goog-api-key", settings_.api_key);
  }
}

std::optional<CredentialRefresh> GeminiAdapter::credential_refresh(long long now) const {
  if (!settings_.token) return std::nullopt;
  return settings_.token->refresh(now);
}

Result<UpstreamRequest> GeminiAdapter::translate_request(const model::Request& request) const {
  UpstreamRequest out;
  out.target = settings_.upstream.url.path + settings_.models_path + settings_.model;
  if (request.operation == model::Operation::kEmbeddings) {
    auto body = to_embed_request(request, settings_.model);
    if (!body) return body.error();
    out.target += ":batchEmbedContents";
    out.body = json::serialize(*body);
  } else {
    auto translated = to_generate_request(request, settings_.reject_unsupported);
    if (!translated) return translated.error();
    out.target += request.stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    out.body = json::serialize(translated->body);
    out.dropped = std::move(translated->dropped);
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", request.stream ? "text/event-stream" : "application/json");
  authorize(out);
  return out;
}

Result<UpstreamRequest> GeminiAdapter::passthrough_request(std::string_view native_path,
                                                           const json::object& body,
                                                           bool stream) const {
  // `native_path` is the method after the model: ":generateContent" or ":streamGenerateContent".
  UpstreamRequest out;
  out.target = settings_.upstream.url.path + settings_.models_path + settings_.model;
  out.target += native_path;
  if (stream) out.target += "?alt=sse";
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  authorize(out);
  out.body = json::serialize(body);
  return out;
}

Result<UpstreamRequest> GeminiAdapter::proxy_request(std::string_view path_and_query,
                                                     std::string body) const {
  // Under the API version's root (Google AI: /v1beta, Vertex AI: /v1): the client names the
  // model, and on Vertex AI the project and location, in the path.
  UpstreamRequest out;
  out.target = settings_.upstream.url.path + "/" + std::string(path_and_query);
  out.headers.emplace_back("Content-Type", "application/json");
  authorize(out);
  out.body = std::move(body);
  return out;
}

model::Usage GeminiAdapter::passthrough_usage(std::string_view body) const {
  auto usage = common::object_member(body, "usageMetadata");
  return usage ? usage_from_gemini(*usage) : model::Usage{};
}

Result<model::Response> GeminiAdapter::translate_response(const model::Request& request,
                                                          const UpstreamHead&,
                                                          std::string_view body) const {
  auto parsed = common::parse_answer(settings_.provider, body, request.body.storage());
  if (!parsed) return parsed.error();
  if (request.operation == model::Operation::kEmbeddings)
    return from_embed_response(request, std::move(*parsed), settings_.model);
  return from_generate_response(request, std::move(*parsed), settings_.model);
}

std::unique_ptr<StreamTranslator> GeminiAdapter::open_stream(const model::Request& request) const {
  return make_stream_translator(settings_.model, request.operation == model::Operation::kChat);
}

Error GeminiAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // {"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED"}}, sometimes in a list
  std::string message, status;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::value* err =
      !ec && parsed.is_object() ? parsed.get_object().if_contains("error") : nullptr;
  if (err == nullptr && !ec && parsed.is_array() && !parsed.get_array().empty() &&
      parsed.get_array()[0].is_object()) {
    err = parsed.get_array()[0].get_object().if_contains("error");
  }
  if (err != nullptr && err->is_object()) {
    const auto& e = err->get_object();
    if (const auto* m = e.if_contains("message"); m && m->is_string()) message = m->get_string();
    if (const auto* s = e.if_contains("status"); s && s->is_string()) status = s->get_string();
  }
  Error error = common::upstream_error(settings_.provider, head.status, std::move(message), body);
  error.error_code = std::move(status);
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_gemini_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  GeminiSettings settings;
  settings.model = spec.model_name;
  if (settings.model.empty())
    return config.fail_section("the gemini provider needs model.name (e.g. gemini-2.5-flash)");
  auto key = config.string("gemini_api_key");
  if (!key) return key.error();
  if (!*key) return config.fail_section("gemini_api_key is required");
  settings.api_key = **key;
  auto url = common::base_url(config, "gemini_api_base", std::string(kDefaultBase));
  if (!url) return url.error();
  settings.upstream.url = *url;
  auto reject = common::reject_unsupported(config);
  if (!reject) return reject.error();
  settings.reject_unsupported = *reject;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<GeminiAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::gemini

namespace sluice::providers::gemini {

Result<std::shared_ptr<const ProviderAdapter>> make_vertex_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  GeminiSettings settings;
  settings.provider = "vertex_ai";
  settings.model = spec.model_name;
  if (settings.model.empty())
    return config.fail_section("the vertex_ai provider needs model.name (e.g. gemini-2.5-flash)");
  auto project = config.string("vertex_project");
  auto location = config.string("vertex_location");
  auto credentials = config.string("vertex_credentials");
  for (auto* r : {&project, &location, &credentials}) {
    if (!*r) return r->error();
  }
  if (!*project) return config.fail_section("vertex_project is required");
  if (!*credentials) {
    return config.fail_section(
        "vertex_credentials is required (a service account key's JSON, or the path of its file); "
        "application default credentials are not supported");
  }
  std::string json_text = **credentials;
  if (!json_text.empty() && json_text.front() != '{') {  // a path to the key file
    if (!config.files_allowed)
      return config.fail("vertex_credentials",
                         "must be the service account key's JSON (a path is for the config file)");
    // (Reading a directory through a stream throws from inside libstdc++: checked first.)
    std::error_code fs_ec;
    std::ifstream in;
    if (std::filesystem::is_regular_file(json_text, fs_ec)) in.open(json_text, std::ios::binary);
    if (!in) return config.fail("vertex_credentials", "cannot read the file '" + json_text + "'");
    json_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto token = GoogleTokenSource::from_service_account(json_text);
  if (!token) return config.fail("vertex_credentials", token.error().message);
  settings.token = *token;
  const std::string loc = location->value_or("us-central1");
  auto url = common::base_url(config, "vertex_api_base",
                              "https://" + loc + "-aiplatform.googleapis.com/v1");
  if (!url) return url.error();
  settings.upstream.url = *url;
  settings.models_path =
      "/projects/" + **project + "/locations/" + loc + "/publishers/google/models/";
  auto reject = common::reject_unsupported(config);
  if (!reject) return reject.error();
  settings.reject_unsupported = *reject;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<GeminiAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::gemini
