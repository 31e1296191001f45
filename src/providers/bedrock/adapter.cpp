#include "providers/bedrock/adapter.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>

#include "providers/bedrock/translate.hpp"
#include "providers/common/support.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::bedrock {
namespace json = boost::json;

BedrockAdapter::BedrockAdapter(BedrockSettings settings) : settings_(std::move(settings)) {
  secrets_.push_back(settings_.credentials.secret_access_key);
  if (!settings_.credentials.session_token.empty())
    secrets_.push_back(settings_.credentials.session_token);
}

Result<UpstreamRequest> BedrockAdapter::translate_request(const model::Request& request) const {
  UpstreamRequest out;
  // Model IDs hold ':' (anthropic.claude-…-v1:0) and ARNs '/': encoded once on the wire.
  const std::string path =
      settings_.upstream.url.path + "/model/" + uri_encode(settings_.model, false);
  if (request.operation == model::Operation::kEmbeddings) {
    auto body = to_embed(request, settings_.model);
    if (!body) return body.error();
    out.target = path + "/invoke";
    out.body = json::serialize(*body);
  } else {
    auto converse = to_converse(request, settings_.reject_unsupported, settings_.model);
    if (!converse) return converse.error();
    out.target = path + (request.stream ? "/converse-stream" : "/converse");
    out.body = json::serialize(converse->body);
    out.dropped = std::move(converse->dropped);
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back(
      "Accept", request.stream ? "application/vnd.amazon.eventstream" : "application/json");
  // The signature covers the body as sent, so numbers kept as text go back in before it is
  // signed (the upstream client would otherwise restore them after: util/json_numbers.hpp).
  util::restore_raw_numbers(out.body);
  const util::BaseUrl& url = settings_.upstream.url;
  std::string host = url.host;
  if (url.port != (url.tls() ? 443 : 80)) host += ":" + std::to_string(url.port);
  const std::string date =
      amz_date(settings_.now ? settings_.now() : static_cast<long long>(std::time(nullptr)));
  sign_v4(settings_.credentials,
          SigningInput{"POST", host, out.target, "", out.body, settings_.region, "bedrock", date},
          out.headers);
  return out;
}

Result<model::Response> BedrockAdapter::translate_response(const model::Request& request,
                                                           const UpstreamHead&,
                                                           std::string_view body) const {
  auto parsed = common::parse_answer("bedrock", body, request.body.storage());
  if (!parsed) return parsed.error();
  if (request.operation == model::Operation::kEmbeddings)
    return from_embed(request, std::move(*parsed), settings_.model);
  return from_converse(request, std::move(*parsed), settings_.model);
}

std::unique_ptr<StreamTranslator> BedrockAdapter::open_stream(const model::Request& request) const {
  return make_stream_translator(settings_.model, request.operation == model::Operation::kChat);
}

Error BedrockAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // {"message": "…"} with the error's name in x-amzn-ErrorType ("ThrottlingException:…").
  std::string message;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    for (const char* key : {"message", "Message"}) {
      if (const auto* m = parsed.get_object().if_contains(key);
          m && m->is_string() && message.empty())
        message = m->get_string();
    }
  }
  Error error = common::upstream_error("bedrock", head.status, std::move(message), body);
  for (const auto& [name, value] : head.headers) {
    if (name.size() == 16 &&
        std::equal(name.begin(), name.end(), "x-amzn-errortype", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      error.error_code = value.substr(0, value.find(':'));
    }
  }
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_bedrock_adapter_with(BedrockSettings settings) {
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<BedrockAdapter>(std::move(settings)));
}

Result<std::shared_ptr<const ProviderAdapter>> make_bedrock_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  BedrockSettings settings;
  settings.model = spec.model_name;
  if (settings.model.empty())
    return config.fail_section("the bedrock provider needs model.name (a Bedrock model ID)");
  // Flat keys, or MLflow's `aws_config: {...}`, or the standard environment variables.
  auto read = [&](const char* key) -> Result<std::string> {
    for (std::string k : {std::string(key), std::string("aws_config.") + key}) {
      auto v = config.string(k);
      if (!v) return v.error();
      if (*v) return **v;
    }
    return std::string();
  };
  // The host's AWS_* environment is the config file's to use, never a stored definition's (one
  // made through the admin API, perhaps by a workspace admin, must not sign with the host's
  // credentials): files_allowed is false exactly for those.
  const bool host_env = config.files_allowed;
  auto env = [host_env](const char* name) {
    const char* v = host_env ? std::getenv(name) : nullptr;
    return std::string(v ? v : "");
  };
  auto id = read("aws_access_key_id");
  auto secret = read("aws_secret_access_key");
  auto token = read("aws_session_token");
  auto region = read("aws_region");
  auto endpoint = config.string("bedrock_endpoint");
  for (auto* r : {&id, &secret, &token, &region}) {
    if (!*r) return r->error();
  }
  if (!endpoint) return endpoint.error();
  settings.credentials.access_key_id = id->empty() ? env("AWS_ACCESS_KEY_ID") : *id;
  settings.credentials.secret_access_key = secret->empty() ? env("AWS_SECRET_ACCESS_KEY") : *secret;
  settings.credentials.session_token =
      token->empty() && id->empty() ? env("AWS_SESSION_TOKEN") : *token;
  settings.region = region->empty() ? env("AWS_REGION") : *region;
  if (settings.region.empty()) settings.region = env("AWS_DEFAULT_REGION");
  if (settings.credentials.access_key_id.empty() ||
      settings.credentials.secret_access_key.empty()) {
    return config.fail_section(
        "the bedrock provider needs aws_access_key_id and aws_secret_access_key (in the config or "
        "as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
  }
  if (settings.region.empty())
    return config.fail_section("the bedrock provider needs aws_region (or AWS_REGION)");
  const std::string base =
      endpoint->value_or("https://bedrock-runtime." + settings.region + ".amazonaws.com");
  std::string why;
  auto url = util::parse_base_url(base, why);
  if (!url) return config.fail("bedrock_endpoint", "'" + base + "' " + why);
  settings.upstream.url = *url;
  auto reject = common::reject_unsupported(config);
  if (!reject) return reject.error();
  settings.reject_unsupported = *reject;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return make_bedrock_adapter_with(std::move(settings));
}

}  // namespace sluice::providers::bedrock
