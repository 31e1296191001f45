#include "config/mlflow_objects.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "util/utf8.hpp"

namespace sluice::config::mlflow {

namespace json = boost::json;

std::string secret_aad(std::string_view secret_id) {
  return std::string(kSecretKind) + ":" + std::string(secret_id);
}

std::string sealed_key_id(const StoredObject& secret) {
  boost::system::error_code ec;
  const json::value body = json::parse(secret.body, ec);
  const auto* sealed = !ec && body.is_object() ? body.get_object().if_contains("sealed") : nullptr;
  const auto* id = sealed != nullptr && sealed->is_object()
                       ? sealed->get_object().if_contains("key_id")
                       : nullptr;
  return id != nullptr && id->is_string() ? std::string(id->get_string()) : std::string();
}

std::string secret_reference(std::string_view secret_id, std::string_view field) {
  return "mlflow:" + std::string(secret_id) + "/" + std::string(field);
}

std::optional<std::pair<std::string, std::string>> parse_secret_reference(std::string_view name) {
  if (!name.starts_with("mlflow:")) return std::nullopt;
  name.remove_prefix(7);
  const auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size())
    return std::nullopt;
  return std::pair{std::string(name.substr(0, slash)), std::string(name.substr(slash + 1))};
}

std::string member_name(std::string_view endpoint, std::string_view model_name) {
  return std::string(endpoint) + "." + std::string(model_name);
}

namespace {

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Mapped as mlflow/server/gateway_api.py _build_endpoint_config maps each provider: the secret's
// `api_key` (or the provider's other secret fields) and auth_config's keys, under the names
// sluice's adapters read (the same as MLflow's YAML gateway).
class Builder {
 public:
  Builder(std::string_view secret_id, const std::vector<std::string>& fields,
          const json::object& auth)
      : secret_id_(secret_id), fields_(fields), auth_(auth) {}

  // A value of the secret, by reference (left out when the secret has no such field: the
  // adapter then says what it misses).
  void secret(std::string_view field, std::string_view key) {
    if (std::find(fields_.begin(), fields_.end(), field) == fields_.end()) return;
    config_[key] = json::object{{"secret", secret_reference(secret_id_, field)}};
  }
  // A value of auth_config, as text.
  void auth(std::string_view field, std::string_view key) {
    if (const auto* v = auth_.if_contains(field); v != nullptr && v->is_string())
      config_[key] = v->get_string();
  }
  void set(std::string_view key, std::string_view value) { config_[key] = value; }
  std::string auth_text(std::string_view field) const { return text_of(auth_, field); }
  json::object take() { return std::move(config_); }

 private:
  std::string_view secret_id_;
  const std::vector<std::string>& fields_;
  const json::object& auth_;
  json::object config_;
};

}  // namespace

Result<ProviderModel> provider_model(std::string_view provider, std::string_view secret_id,
                                     const std::vector<std::string>& fields,
                                     const json::object& auth_config, std::string_view model_name) {
  Builder b(secret_id, fields, auth_config);
  ProviderModel out;
  out.provider = std::string(provider);
  const std::string mode = b.auth_text("auth_mode");
  if (provider == "openai") {
    b.secret("api_key", "openai_api_key");
    const std::string type = b.auth_text("api_type");
    if (type == "azure" || type == "azuread") {
      b.set("openai_api_type", type);
      b.auth("api_base", "openai_api_base");
      b.auth("deployment_name", "openai_deployment_name");
      b.auth("api_version", "openai_api_version");
    } else {
      b.auth("api_base", "openai_api_base");
      b.auth("organization", "openai_organization");
    }
  } else if (provider == "azure") {
    b.secret("api_key", "openai_api_key");
    b.set("openai_api_type", "azure");
    b.auth("api_base", "openai_api_base");
    b.set("openai_deployment_name", model_name);
    b.auth("api_version", "openai_api_version");
  } else if (provider == "anthropic") {
    b.secret("api_key", "anthropic_api_key");
    b.auth("version", "anthropic_version");
    b.auth("api_base", "anthropic_api_base");
  } else if (provider == "mistral") {
    b.secret("api_key", "mistral_api_key");
    b.auth("api_base", "mistral_api_base");
  } else if (provider == "gemini") {
    b.secret("api_key", "gemini_api_key");
  } else if (provider == "groq" || provider == "deepseek" || provider == "xai" ||
             provider == "openrouter" || provider == "ollama") {
    b.secret("api_key", "api_key");
    b.auth("api_base", "api_base");
  } else if (provider == "databricks") {
    if (!mode.empty() && mode != "pat_token")
      return Error::invalid("auth_mode '" + std::string(util::utf8_prefix(mode, 64)) +
                            "' of provider databricks is not served by sluice (pat_token is)");
    b.secret("api_key", "databricks_token");
    b.auth("api_base", "databricks_host");
  } else if (provider == "bedrock" || provider == "amazon-bedrock") {
    // Signed requests with access keys only: a bearer token, a role or the host's default
    // credential chain are not served (a stored definition never signs with the host's).
    if (mode != "access_keys")
      return Error::invalid("auth_mode '" + std::string(util::utf8_prefix(mode, 64)) +
                            "' of provider bedrock is not served by sluice (access_keys is)");
    out.provider = "bedrock";
    out.proxies = false;
    b.secret("aws_access_key_id", "aws_access_key_id");
    b.secret("aws_secret_access_key", "aws_secret_access_key");
    b.auth("aws_region_name", "aws_region");
  } else if (provider == "vertex_ai") {
    b.auth("vertex_project", "vertex_project");
    b.auth("vertex_location", "vertex_location");
    b.secret("vertex_credentials", "vertex_credentials");
  } else {
    return Error::invalid("provider '" + std::string(util::utf8_prefix(provider, 64)) +
                          "' is not served by sluice through MLflow's gateway objects (openai, "
                          "azure, anthropic, mistral, gemini, groq, deepseek, xai, openrouter, "
                          "ollama, databricks, bedrock and vertex_ai are)");
  }
  out.config = b.take();
  return out;
}

Result<ProviderModel> provider_model(std::string_view provider, std::string_view secret_id,
                                     const json::object& secret, std::string_view model_name) {
  std::vector<std::string> fields;
  if (const auto* mv = secret.if_contains("masked_values"); mv != nullptr && mv->is_object()) {
    for (const auto& [k, v] : mv->get_object()) fields.emplace_back(k);
  }
  json::object auth;
  if (const auto* a = secret.if_contains("auth_config"); a != nullptr && a->is_object())
    auth = a->get_object();
  return provider_model(provider, secret_id, fields, auth, model_name);
}

namespace {

const StoredObject* find(const StoredConfig& s, std::string_view kind, std::string_view id) {
  for (const auto& o : s.objects) {
    if (o.kind == kind && o.name == id) return &o;
  }
  return nullptr;
}

json::object parsed(const StoredObject& o) {
  boost::system::error_code ec;
  json::value v = json::parse(o.body, ec);
  if (ec || !v.is_object()) throw std::invalid_argument("the stored body is not a JSON object");
  return std::move(v.as_object());
}

struct Member {
  std::string model_definition_id;
  double weight = 1;
  bool fallback = false;
  std::int64_t fallback_order = 0;
  bool ordered = false;
};

// The endpoint's sluice objects, or a problem (thrown as std::invalid_argument).
void expand_one(const StoredConfig& stored, const StoredObject& o, Expansion& out) {
  const json::object body = parsed(o);
  const std::string name = text_of(body, "name");
  if (name.empty()) throw std::invalid_argument("it has no name");
  std::vector<Member> primaries, fallbacks;
  if (const auto* m = body.if_contains("model_mappings"); m != nullptr && m->is_array()) {
    for (const auto& item : m->get_array()) {
      if (!item.is_object()) continue;
      const auto& mo = item.get_object();
      Member member;
      member.model_definition_id = text_of(mo, "model_definition_id");
      if (const auto* w = mo.if_contains("weight"); w != nullptr && w->is_number())
        member.weight = w->to_number<double>();
      member.fallback = text_of(mo, "linkage_type") == "FALLBACK";
      if (const auto* f = mo.if_contains("fallback_order"); f != nullptr && f->is_int64()) {
        member.fallback_order = f->get_int64();
        member.ordered = true;
      }
      (member.fallback ? fallbacks : primaries).push_back(std::move(member));
    }
  }
  // MLflow serves no endpoint without a PRIMARY model; sluice leaves it out of the config.
  if (primaries.empty()) return;
  const auto* fallback_config = body.if_contains("fallback_config");
  const bool falls_back = fallback_config != nullptr && fallback_config->is_object();
  if (!falls_back) {
    fallbacks.clear();  // (MLflow ignores FALLBACK models without a fallback_config)
  } else {
    std::stable_sort(fallbacks.begin(), fallbacks.end(), [](const Member& a, const Member& b) {
      if (a.ordered != b.ordered) return a.ordered;
      return a.fallback_order < b.fallback_order;
    });
    if (const auto* n = fallback_config->get_object().if_contains("max_attempts");
        n != nullptr && n->is_int64() && n->get_int64() > 0 &&
        static_cast<std::size_t>(n->get_int64()) < fallbacks.size())
      fallbacks.resize(static_cast<std::size_t>(n->get_int64()));
  }
  const bool single = primaries.size() == 1 && fallbacks.empty();
  json::array destinations;
  auto add = [&](const Member& m, bool weighted) {
    const StoredObject* model = find(stored, kModelKind, m.model_definition_id);
    if (model == nullptr)
      throw std::invalid_argument("model definition '" +
                                  std::string(util::utf8_prefix(m.model_definition_id, 64)) +
                                  "' does not exist");
    const json::object def = parsed(*model);
    const std::string secret_id = text_of(def, "secret_id");
    const StoredObject* secret = find(stored, kSecretKind, secret_id);
    if (secret == nullptr || secret->workspace != o.workspace)
      throw std::invalid_argument("model definition '" + text_of(def, "name") + "': secret '" +
                                  std::string(util::utf8_prefix(secret_id, 64)) +
                                  "' does not exist");
    const std::string model_name = text_of(def, "model_name");
    auto pm = provider_model(text_of(def, "provider"), secret_id, parsed(*secret), model_name);
    if (!pm)
      throw std::invalid_argument("model definition '" + text_of(def, "name") +
                                  "': " + pm.error().message);
    const std::string member = single ? name : member_name(name, text_of(def, "name"));
    json::object endpoint{
        {"name", member},
        {"endpoint_type", "llm/v1/chat"},
        {"model",
         json::object{{"provider", pm->provider}, {"name", model_name}, {"config", pm->config}}}};
    // MLflow proxies every endpoint (/gateway/proxy/{endpoint}/…); sluice's raw proxy takes one
    // model, so an endpoint of one model.
    if (single && pm->proxies) endpoint["raw_proxy"] = true;
    out.objects.push_back(
        {"endpoint", member, o.workspace, json::serialize(endpoint), o.created_at, o.updated_at});
    json::object d{{"name", member}};
    // MLflow's weights are fractions of the traffic (it routes by weight × 100).
    if (weighted) d["weight"] = static_cast<std::int64_t>(std::llround(m.weight * 100));
    destinations.emplace_back(std::move(d));
  };
  const std::size_t before = out.objects.size();
  try {
    for (const auto& m : primaries) add(m, primaries.size() > 1);
    for (const auto& m : fallbacks) add(m, false);
  } catch (...) {
    out.objects.resize(before);  // none of this endpoint's objects
    throw;
  }
  if (single) return;
  json::object route{{"name", name},
                     {"task_type", "llm/v1/chat"},
                     {"destinations", std::move(destinations)},
                     {"fallback", falls_back}};
  out.objects.push_back(
      {"route", name, o.workspace, json::serialize(route), o.created_at, o.updated_at});
}

}  // namespace

Expansion expand(const StoredConfig& stored) {
  Expansion out;
  for (const auto& o : stored.objects) {
    if (o.kind != kEndpointKind) continue;
    try {
      expand_one(stored, o, out);
    } catch (const std::exception& e) {
      out.problems.push_back("stored " + o.kind + " '" + o.name + "': " + e.what());
    }
  }
  return out;
}

}  // namespace sluice::config::mlflow
