#include "providers/openai/adapter.hpp"

#include <boost/json.hpp>

#include "providers/common/support.hpp"
#include "util/json_parse.hpp"
#include "util/json_write.hpp"

namespace sluice::providers::openai {
namespace json = boost::json;

namespace {

constexpr std::string_view kDefaultBase = "https://api.openai.com/v1";

std::string_view operation_path(model::Operation op) {
  switch (op) {
    case model::Operation::kChat:
      return "/chat/completions";
    case model::Operation::kCompletions:
      return "/completions";
    case model::Operation::kEmbeddings:
      return "/embeddings";
    case model::Operation::kCustom:
      break;
  }
  return "";
}

}  // namespace

OpenAiAdapter::OpenAiAdapter(OpenAiSettings settings) : settings_(std::move(settings)) {
  if (!settings_.api_key.empty()) secrets_.push_back(settings_.api_key);
}

Result<UpstreamRequest> OpenAiAdapter::translate_request(const model::Request& request) const {
  const json::value model(json::string_view(settings_.model));
  json::value options;
  if (request.stream) {
    // Always ask for usage so the gateway can account for the stream; the final usage-only
    // chunk is dropped again on the way out unless the client asked for it.
    const auto* given = request.body.if_contains("stream_options");
    options = given != nullptr && given->is_object() ? *given : json::object{};
    options.get_object()["include_usage"] = true;
  }
  UpstreamRequest out = base_request(operation_path(request.operation), request.stream);
  const bool azure = !settings_.azure_deployment.empty();
  // Azure takes the model from the deployment; the client's `model` (an endpoint name) is left
  // out rather than sent where Azure would ignore it.
  const json::value* model_value = azure ? nullptr : &model;
  out.body = request.stream ? util::serialize_with(request.body, {{"model", model_value},
                                                                  {"stream_options", &options}})
                            : util::serialize_with(request.body, {{"model", model_value}});
  return out;
}

UpstreamRequest OpenAiAdapter::base_request(std::string_view operation_path, bool stream) const {
  UpstreamRequest out;
  const bool azure = !settings_.azure_deployment.empty();
  out.target = settings_.upstream.url.path;
  if (azure) {
    out.target += "/openai/deployments/";
    out.target += settings_.azure_deployment;
  }
  out.target += operation_path;
  if (azure) {
    out.target += "?api-version=";
    out.target += settings_.azure_api_version;
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  if (azure && !settings_.azure_bearer) {
    out.headers.emplace_back("api-key", settings_.api_key);
  } else if (!settings_.api_key.empty()) {
    out.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  }
  if (!settings_.organization.empty()) {
    out.headers.emplace_back("OpenAI-Organization", settings_.organization);
  }
  return out;
}

Result<UpstreamRequest> OpenAiAdapter::passthrough_request(std::string_view native_path,
                                                           const json::object& body,
                                                           bool stream) const {
  UpstreamRequest out = base_request(native_path, stream);
  const json::value model(json::string_view(settings_.model));
  out.body = util::serialize_with(
      body, {{"model", settings_.azure_deployment.empty() ? &model : nullptr}});
  return out;
}

Result<UpstreamRequest> OpenAiAdapter::proxy_request(std::string_view path_and_query,
                                                     std::string body) const {
  // Under the API base as configured: an Azure client names its deployment and api-version in
  // the path and query itself.
  UpstreamRequest out;
  out.target = settings_.upstream.url.path + "/" + std::string(path_and_query);
  out.headers.emplace_back("Content-Type", "application/json");
  if (!settings_.azure_deployment.empty() && !settings_.azure_bearer) {
    out.headers.emplace_back("api-key", settings_.api_key);
  } else if (!settings_.api_key.empty()) {
    out.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  }
  if (!settings_.organization.empty())
    out.headers.emplace_back("OpenAI-Organization", settings_.organization);
  out.body = std::move(body);
  return out;
}

model::Usage OpenAiAdapter::passthrough_usage(std::string_view body) const {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const json::value* usage = parsed.get_object().if_contains("usage");
  model::Usage u =
      usage != nullptr && usage->is_object() && usage->get_object().contains("input_tokens")
          ? usage_from_responses(usage->get_object())
          : model::usage_from_openai(usage);
  if (!u.empty()) model::read_service_tier(parsed.get_object(), u);
  return u;
}

model::Usage usage_from_responses(const json::object& o) {
  // The Responses API counts input_tokens / output_tokens, with cached and reasoning tokens in
  // their *_details (https://platform.openai.com/docs/api-reference/responses/object).
  auto count = [](const json::object& in, const char* k) -> std::optional<std::uint64_t> {
    const json::value* v = in.if_contains(k);
    if (v != nullptr && v->is_uint64()) return v->get_uint64();
    if (v != nullptr && v->is_int64() && v->get_int64() >= 0)
      return static_cast<std::uint64_t>(v->get_int64());
    return std::nullopt;
  };
  auto details = [&](const char* k, const char* field) -> std::optional<std::uint64_t> {
    const json::value* d = o.if_contains(k);
    return d != nullptr && d->is_object() ? count(d->get_object(), field) : std::nullopt;
  };
  model::Usage u;
  u.prompt_tokens = count(o, "input_tokens");
  u.completion_tokens = count(o, "output_tokens");
  u.total_tokens = count(o, "total_tokens");
  u.cached_tokens = details("input_tokens_details", "cached_tokens");
  u.reasoning_tokens = details("output_tokens_details", "reasoning_tokens");
  if (!u.total_tokens && (u.prompt_tokens || u.completion_tokens))
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  return u;
}

Result<model::Response> OpenAiAdapter::translate_response(const model::Request& request,
                                                          const UpstreamHead&,
                                                          std::string_view body) const {
  auto parsed = common::parse_answer(settings_.provider_name, body, request.body.storage());
  if (!parsed) return parsed.error();
  model::Response response;
  response.body = std::move(*parsed);
  response.usage = model::usage_from_openai(response.body.if_contains("usage"));
  if (!response.usage.empty()) model::read_service_tier(response.body, response.usage);
  response.raw = body;  // already the client's dialect: forwarded byte for byte unless changed
  return response;
}

std::unique_ptr<StreamTranslator> OpenAiAdapter::open_stream(const model::Request&) const {
  return make_openai_stream_translator(settings_.provider_name);
}

Error OpenAiAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  Error error;
  error.code =
      head.status >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError;
  error.upstream_status = head.status;
  error.provider = settings_.provider_name;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::object* err = nullptr;
  if (!ec && parsed.is_object()) {
    if (const auto* e = parsed.get_object().if_contains("error"); e && e->is_object()) {
      err = &e->get_object();
    }
  }
  if (err != nullptr) {
    if (const auto* m = err->if_contains("message"); m && m->is_string())
      error.message = m->get_string();
    if (const auto* p = err->if_contains("param"); p && p->is_string())
      error.param = p->get_string();
    if (const auto* c = err->if_contains("code"); c && c->is_string())
      error.error_code = c->get_string();
  }
  if (error.message.empty()) {
    std::string_view snippet = body.substr(0, 200);
    error.message = "provider returned HTTP " + std::to_string(head.status);
    if (!snippet.empty()) error.message += ": " + std::string(snippet);
  }
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_openai_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  OpenAiSettings settings;
  settings.model = spec.model_name;
  if (settings.model.empty()) return config.fail_section("the openai provider needs model.name");

  auto api_type = config.string("openai_api_type");
  if (!api_type) return api_type.error();
  std::string type = api_type->value_or("openai");
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type != "openai" && type != "azure" && type != "azuread") {
    return config.fail("openai_api_type", "must be one of openai, azure, azuread");
  }
  auto key = config.string("openai_api_key");
  auto base = config.string("openai_api_base");
  auto org = config.string("openai_organization");
  auto deployment = config.string("openai_deployment_name");
  auto version = config.string("openai_api_version");
  for (auto* r : {&key, &base, &org, &deployment, &version}) {
    if (!*r) return r->error();
  }
  if (type != "openai") {
    // MLflow's rules for Azure, checked now so a config written for MLflow fails clearly.
    for (auto [name, value] :
         {std::pair{"openai_api_base", &*base}, std::pair{"openai_deployment_name", &*deployment},
          std::pair{"openai_api_version", &*version}}) {
      if (!*value)
        return config.fail_section(std::string(name) + " is required when openai_api_type is " +
                                   type);
    }
    if (*org)
      return config.fail("openai_organization", "is not allowed when openai_api_type is " + type);
    if (!*key) return config.fail_section("openai_api_key is required for Azure OpenAI");
    std::string why;
    auto url = util::parse_base_url(**base, why);
    if (!url) return config.fail("openai_api_base", "'" + **base + "' " + why);
    settings.provider_name = "azure";
    settings.upstream.url = *url;
    settings.api_key = **key;
    settings.azure_deployment = **deployment;
    settings.azure_api_version = **version;
    settings.azure_bearer = type == "azuread";
    if (auto r = config.reject_unknown(); !r) return r.error();
    return std::shared_ptr<const ProviderAdapter>(
        std::make_shared<OpenAiAdapter>(std::move(settings)));
  }
  if (*deployment) {
    return config.fail("openai_deployment_name",
                       "is only allowed when openai_api_type is azure or azuread");
  }
  std::string base_text = base->value_or(std::string(kDefaultBase));
  std::string why;
  auto url = util::parse_base_url(base_text, why);
  if (!url)
    return config.fail(base->has_value() ? "openai_api_base" : "", "'" + base_text + "' " + why);
  settings.upstream.url = *url;
  if (key->has_value()) {
    settings.api_key = **key;
  } else if (!base->has_value()) {
    return config.fail_section(
        "openai_api_key is required when openai_api_base is OpenAI's own API");
  }
  settings.organization = org->value_or("");
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<OpenAiAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::openai
