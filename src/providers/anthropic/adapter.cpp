#include "providers/anthropic/adapter.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "providers/anthropic/translate.hpp"
#include "providers/anthropic_fields.hpp"
#include "providers/common/support.hpp"
#include "util/json_parse.hpp"
#include "util/json_write.hpp"

namespace sluice::providers::anthropic {
namespace json = boost::json;

namespace {
constexpr std::string_view kDefaultBase = "https://api.anthropic.com/v1";

// "a, b,c" → {"a", "b", "c"}: the betas of an anthropic-beta header or of anthropic_betas.
std::vector<std::string_view> split_betas(std::string_view list) {
  std::vector<std::string_view> out;
  for (std::string_view rest = list; !rest.empty();) {
    const auto comma = rest.find(',');
    std::string_view beta = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!beta.empty() && beta.front() == ' ') beta.remove_prefix(1);
    while (!beta.empty() && beta.back() == ' ') beta.remove_suffix(1);
    if (!beta.empty()) out.push_back(beta);
  }
  return out;
}

}  // namespace

AnthropicAdapter::AnthropicAdapter(AnthropicSettings settings) : settings_(std::move(settings)) {
  if (!settings_.api_key.empty()) secrets_.push_back(settings_.api_key);
}

Result<UpstreamRequest> AnthropicAdapter::translate_request(const model::Request& request) const {
  auto translated =
      to_messages_request(request, RequestOptions{settings_.model, settings_.reject_unsupported});
  if (!translated) return translated.error();
  UpstreamRequest out = base_request("/messages", request.stream);
  use_client_anthropic_version(out, request.anthropic_version);
  out.dropped = std::move(translated->dropped);
  if (std::string beta = anthropic_beta(request.anthropic_beta, out.dropped); !beta.empty())
    out.headers.emplace_back("anthropic-beta", std::move(beta));
  out.body = json::serialize(translated->body);
  return out;
}

std::string AnthropicAdapter::anthropic_beta(std::string_view client,
                                             std::vector<std::string>& dropped) const {
  if (!settings_.allowed_betas) return std::string(client);
  std::string out;
  for (std::string_view beta : split_betas(client)) {
    const auto& allowed = *settings_.allowed_betas;
    if (std::find(allowed.begin(), allowed.end(), beta) != allowed.end()) {
      if (!out.empty()) out += ',';
      out += beta;
    } else {
      dropped.push_back("anthropic-beta:" + std::string(beta));
    }
  }
  return out;
}

UpstreamRequest AnthropicAdapter::base_request(std::string_view path, bool stream) const {
  UpstreamRequest out;
  out.target = settings_.upstream.url.path;
  out.target += path;
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("x-api-key", settings_.api_key);
  out.headers.emplace_back("anthropic-version", settings_.version);
  return out;
}

Result<UpstreamRequest> AnthropicAdapter::passthrough_request(std::string_view native_path,
                                                              const json::object& body,
                                                              bool stream) const {
  UpstreamRequest out = base_request(native_path, stream);
  const json::value model(json::string_view(settings_.model));
  out.body = util::serialize_with(body, {{"model", &model}});
  return out;
}

Result<UpstreamRequest> AnthropicAdapter::proxy_request(std::string_view path_and_query,
                                                        std::string body) const {
  UpstreamRequest out;
  out.target = settings_.upstream.url.path + "/" + std::string(path_and_query);
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("x-api-key", settings_.api_key);
  out.headers.emplace_back("anthropic-version", settings_.version);
  out.body = std::move(body);
  return out;
}

model::Usage AnthropicAdapter::passthrough_usage(std::string_view body) const {
  auto usage = common::object_member(body, "usage");
  return usage ? usage_from_anthropic(*usage) : model::Usage{};
}

Result<model::Response> AnthropicAdapter::translate_response(const model::Request& request,
                                                             const UpstreamHead&,
                                                             std::string_view body) const {
  auto parsed = common::parse_answer("anthropic", body, request.body.storage());
  if (!parsed) return parsed.error();
  return from_message(request, std::move(*parsed), "anthropic");
}

std::unique_ptr<StreamTranslator> AnthropicAdapter::open_stream(
    const model::Request& request) const {
  return make_stream_translator("anthropic", request.operation == model::Operation::kChat);
}

Error AnthropicAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // {"type": "error", "error": {"type": "rate_limit_error", "message": "…"}}
  std::string message, type;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (const auto* e =
          !ec && parsed.is_object() ? parsed.get_object().if_contains("error") : nullptr;
      e && e->is_object()) {
    const auto& err = e->get_object();
    if (const auto* m = err.if_contains("message"); m && m->is_string()) message = m->get_string();
    if (const auto* t = err.if_contains("type"); t && t->is_string()) type = t->get_string();
  }
  Error error = common::upstream_error("anthropic", head.status, std::move(message), body);
  error.error_code = std::move(type);
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_anthropic_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  AnthropicSettings settings;
  settings.model = spec.model_name;
  if (settings.model.empty())
    return config.fail_section("the anthropic provider needs model.name (e.g. claude-sonnet-4-5)");
  auto key = config.string("anthropic_api_key");
  auto version = config.string("anthropic_version");
  auto betas = config.string("anthropic_betas");
  for (auto* r : {&key, &version, &betas}) {
    if (!*r) return r->error();
  }
  if (*betas && **betas != "*") {
    std::vector<std::string> allowed;
    for (std::string_view beta : split_betas(**betas)) allowed.emplace_back(beta);
    settings.allowed_betas = std::move(allowed);
  }
  if (!*key) return config.fail_section("anthropic_api_key is required");
  settings.api_key = **key;
  settings.version = version->value_or(settings.version);
  auto url = common::base_url(config, "anthropic_api_base", std::string(kDefaultBase));
  if (!url) return url.error();
  settings.upstream.url = *url;
  auto reject = common::reject_unsupported(config);
  if (!reject) return reject.error();
  settings.reject_unsupported = *reject;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<AnthropicAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::anthropic
