#include "config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "config/alerts.hpp"
#include "config/cors.hpp"
#include "config/mlflow_objects.hpp"
#include "config/otel.hpp"
#include "config/reader.hpp"
#include "config/workspace.hpp"
#include "observability/metrics.hpp"
#include "providers/registry.hpp"
#include "routing/health/target_health.hpp"
#include "util/redact.hpp"
#include "util/secret_box.hpp"

namespace sluice::config {
namespace {

// MLflow's rule for endpoint names: ^[a-zA-Z0-9_\-.]+$ (mlflow/gateway/utils.py).
bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  }
  return true;
}

model::Operation parse_operation(const Reader& r, const YAML::Node& node, const std::string& path) {
  std::string t = r.string(node, path);
  if (t == "llm/v1/chat") return model::Operation::kChat;
  if (t == "llm/v1/completions") return model::Operation::kCompletions;
  if (t == "llm/v1/embeddings") return model::Operation::kEmbeddings;
  if (t == "custom/v1/predict") return model::Operation::kCustom;
  r.fail(
      node, path,
      "unknown endpoint type '" + t +
          "' (expected llm/v1/chat, llm/v1/completions, llm/v1/embeddings or custom/v1/predict)");
}

void read_timeouts(const Reader& r, const YAML::Node& node, const std::string& path,
                   UpstreamTimeouts& t) {
  r.expect_map(node, path, {"connect_ms", "first_byte_ms", "total_ms", "stream_idle_ms"});
  constexpr long long kDay = 86'400'000;
  if (node["connect_ms"])
    t.connect = Millis(r.integer(node["connect_ms"], path + ".connect_ms", 1, kDay));
  if (node["first_byte_ms"])
    t.first_byte = Millis(r.integer(node["first_byte_ms"], path + ".first_byte_ms", 1, kDay));
  if (node["total_ms"]) t.total = Millis(r.integer(node["total_ms"], path + ".total_ms", 1, kDay));
  if (node["stream_idle_ms"])
    t.stream_idle = Millis(r.integer(node["stream_idle_ms"], path + ".stream_idle_ms", 1, kDay));
}

ServerConfig read_server(const Reader& r, const YAML::Node& node) {
  ServerConfig s;
  if (!node) return s;
  const std::string p = "server";
  r.expect_map(node, p,
               {"host", "port", "workers", "max_body_bytes", "max_header_bytes", "idle_timeout_ms",
                "request_timeout_ms", "shutdown_timeout_ms", "access_log", "upstream_timeout",
                "watch_config", "max_header_fields", "upstream_max_event_bytes",
                "upstream_max_body_bytes", "reuse_port", "write_timeout_ms", "cors", "hosts"});
  if (node["host"]) s.host = r.string(node["host"], p + ".host");
  if (node["port"])
    s.port = static_cast<std::uint16_t>(r.integer(node["port"], p + ".port", 0, 65535));
  if (auto w = node["workers"]) {
    if (w.IsScalar() && w.Scalar() == "auto") {
      s.workers = 0;
    } else {
      s.workers = static_cast<unsigned>(r.integer(w, p + ".workers", 1, 1024));
    }
  }
  if (node["max_body_bytes"]) {
    s.max_body_bytes = static_cast<std::uint64_t>(
        r.integer(node["max_body_bytes"], p + ".max_body_bytes", 1024, 1LL << 34));
  }
  if (node["max_header_bytes"]) {
    s.max_header_bytes =
        static_cast<std::uint32_t>(r.integer(node["max_header_bytes"], p + ".max_header_bytes",
                                             1024, ServerConfig::kMaxHeaderBytesLimit));
  }
  if (node["max_header_fields"]) {
    s.max_header_fields = static_cast<std::uint32_t>(
        r.integer(node["max_header_fields"], p + ".max_header_fields", 8, 10'000));
  }
  if (node["upstream_max_event_bytes"]) {
    s.upstream_max_event_bytes = static_cast<std::uint64_t>(r.integer(
        node["upstream_max_event_bytes"], p + ".upstream_max_event_bytes", 1024, 1LL << 30));
  }
  if (node["upstream_max_body_bytes"]) {
    s.upstream_max_body_bytes = static_cast<std::uint64_t>(r.integer(
        node["upstream_max_body_bytes"], p + ".upstream_max_body_bytes", 1024, 1LL << 34));
  }
  if (auto w = node["reuse_port"]) {
    std::string v = r.string(w, p + ".reuse_port");
    if (v != "true" && v != "false") r.fail(w, p + ".reuse_port", "must be true or false");
    s.reuse_port = v == "true";
  }
  constexpr long long kDay = 86'400'000;
  if (node["idle_timeout_ms"])
    s.idle_timeout = Millis(r.integer(node["idle_timeout_ms"], p + ".idle_timeout_ms", 1, kDay));
  if (node["request_timeout_ms"])
    s.request_timeout =
        Millis(r.integer(node["request_timeout_ms"], p + ".request_timeout_ms", 1, kDay));
  if (node["write_timeout_ms"])
    s.write_timeout = Millis(r.integer(node["write_timeout_ms"], p + ".write_timeout_ms", 1, kDay));
  if (node["shutdown_timeout_ms"])
    s.shutdown_timeout =
        Millis(r.integer(node["shutdown_timeout_ms"], p + ".shutdown_timeout_ms", 0, kDay));
  if (node["access_log"]) {
    const auto& n = node["access_log"];
    s.access_log = n.IsNull() ? "" : r.string(n, p + ".access_log");
  }
  if (auto w = node["watch_config"]) {
    std::string v = r.string(w, p + ".watch_config");
    if (v != "true" && v != "false") r.fail(w, p + ".watch_config", "must be true or false");
    s.watch_config = v == "true";
  }
  if (node["upstream_timeout"])
    read_timeouts(r, node["upstream_timeout"], p + ".upstream_timeout", s.upstream_timeout);
  s.cors = read_cors(r, node["cors"]);
  s.hosts = read_hosts(r, node["hosts"]);
  return s;
}

Limit read_limit(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.expect_map(node, path, {"renewal_period", "calls", "key"});
  Limit limit;
  if (!node["renewal_period"]) r.fail(node, path, "renewal_period is required");
  if (!node["calls"]) r.fail(node, path, "calls is required");
  limit.renewal_period = r.string(node["renewal_period"], path + ".renewal_period");
  static const std::set<std::string> kPeriods = {"second", "minute", "hour",
                                                 "day",    "month",  "year"};
  if (!kPeriods.contains(limit.renewal_period)) {
    r.fail(node["renewal_period"], path + ".renewal_period",
           "must be one of second, minute, hour, day, month, year");
  }
  limit.calls = static_cast<std::uint64_t>(r.integer(node["calls"], path + ".calls", 1, 1LL << 40));
  if (node["key"] && !node["key"].IsNull()) limit.key = r.string(node["key"], path + ".key");
  return limit;
}

// A YAML value as JSON: numbers, booleans and null by their plain spelling, quoted scalars as
// strings, maps and lists recursively (for `parameters` and `overrides`).
boost::json::value to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    boost::json::object o;
    for (auto it = node.begin(); it != node.end(); ++it)
      o[it->first.as<std::string>()] = to_json(it->second);
    return o;
  }
  if (node.IsSequence()) {
    boost::json::array a;
    for (const auto& item : node) a.push_back(to_json(item));
    return a;
  }
  if (node.IsNull()) return nullptr;
  const std::string& t = node.Scalar();
  if (node.Tag() != "!") {
    if (t == "true" || t == "True") return true;
    if (t == "false" || t == "False") return false;
    if (t == "null" || t == "~") return nullptr;
    long long i = 0;
    if (auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
        ec == std::errc{} && end == t.data() + t.size()) {
      return i;
    }
    double d = 0;
    if (auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
        ec == std::errc{} && end == t.data() + t.size()) {
      return d;
    }
  }
  return boost::json::string(t);
}

// `prompt_template`, `parameters`, `overrides`, `limits` (and a named route's `path`).
std::shared_ptr<const prompts::PromptSpec> read_prompt_spec(const Reader& r, const YAML::Node& node,
                                                            const std::string& path) {
  if (!node["prompt_template"] && !node["parameters"] && !node["overrides"] && !node["limits"] &&
      !node["path"]) {
    return nullptr;
  }
  auto spec = std::make_shared<prompts::PromptSpec>();
  if (const YAML::Node t = node["prompt_template"]) {
    auto add = [&](const std::string& version, const YAML::Node& text, const std::string& where) {
      auto parsed = prompts::PromptTemplate::parse(r.string(text, where));
      if (!parsed) r.fail(text, where, parsed.error().message);
      spec->versions.emplace(version, std::move(*parsed));
    };
    if (t.IsScalar()) {
      add("default", t, path + ".prompt_template");
      spec->default_version = "default";
    } else if (t.IsMap()) {
      for (auto it = t.begin(); it != t.end(); ++it) {
        std::string key = it->first.as<std::string>();
        if (key == "default") continue;
        add(key, it->second, path + ".prompt_template." + key);
      }
      if (!t["default"])
        r.fail(t, path + ".prompt_template", "a map of versions needs 'default: <version>'");
      spec->default_version = r.string(t["default"], path + ".prompt_template.default");
      if (!spec->versions.contains(spec->default_version)) {
        r.fail(t["default"], path + ".prompt_template.default",
               "'" + spec->default_version + "' is not one of the versions");
      }
    } else {
      r.fail(t, path + ".prompt_template", "must be a string or a map of named versions");
    }
  }
  for (const char* key : {"parameters", "overrides"}) {
    if (const YAML::Node p = node[key]) {
      if (!p.IsMap()) r.fail(p, path + "." + key, "must be a mapping");
      (std::string(key) == "parameters" ? spec->parameters : spec->overrides) =
          to_json(p).as_object();
    }
  }
  if (const YAML::Node l = node["limits"]) {
    r.expect_map(l, path + ".limits", {"max_tokens", "on_exceed"});
    if (l["max_tokens"])
      spec->max_tokens = static_cast<std::uint64_t>(
          r.integer(l["max_tokens"], path + ".limits.max_tokens", 1, 1LL << 40));
    if (l["on_exceed"]) {
      std::string mode = r.string(l["on_exceed"], path + ".limits.on_exceed");
      if (mode != "clamp" && mode != "reject")
        r.fail(l["on_exceed"], path + ".limits.on_exceed", "must be clamp or reject");
      spec->clamp_max_tokens = mode == "clamp";
    }
  }
  if (const YAML::Node p = node["path"]) {
    spec->path = r.string(p, path + ".path");
    if (!spec->path.starts_with("/") || spec->path.find_first_of("?# ") != std::string::npos ||
        spec->path.size() < 2) {
      r.fail(p, path + ".path", "must be an absolute path such as /chat");
    }
  }
  return spec;
}

// MLflow's rule for `*_api_key` values: one naming a readable file is read from it. MLflow keeps
// the trailing newline, which no provider accepts in a header; sluice strips trailing whitespace.
std::string key_from_file(const std::string& value) {
  if (value.empty() || value.size() > 4096 || value.find('\n') != std::string::npos) return value;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(value, ec)) return value;
  std::ifstream in(value, std::ios::binary);
  if (!in) return value;
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  return key;
}

// One value of an MLflow secret (config/mlflow_objects.hpp), named by the reference an expanded
// MLflow endpoint carries: the secret of the endpoint's own workspace, opened with
// auth.secrets_key.
std::string mlflow_secret_value(const Reader& r, const YAML::Node& node, const std::string& path,
                                const std::string& id, const std::string& field) {
  const StoredObject* found = nullptr;
  for (const auto& o : r.stored->objects) {
    if (o.kind == mlflow::kSecretKind && o.name == id && o.workspace == r.workspace) found = &o;
  }
  if (found == nullptr) r.fail(node, path, "no MLflow secret '" + id + "'");
  if (r.secrets_key.empty())
    r.fail(node, path, "secrets need auth.secrets_key (or SLUICE_SECRETS_KEY) to be opened");
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(found->body, ec);
  const auto* sealed = !ec && body.is_object() ? body.get_object().if_contains("sealed") : nullptr;
  auto text = [&](std::string_view k) {
    const auto* v =
        sealed != nullptr && sealed->is_object() ? sealed->get_object().if_contains(k) : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  const std::string id_of_key = util::secrets_key_id(r.secrets_key);
  if (text("key_id") != id_of_key)
    r.fail(node, path,
           "MLflow secret '" + id + "' was sealed with key " + text("key_id").substr(0, 32) +
               ", not the configured auth.secrets_key (" + id_of_key +
               "); see `sluice secrets rotate-key`");
  auto opened =
      util::open(r.secrets_key, {text("nonce"), text("ciphertext")}, mlflow::secret_aad(id));
  if (!opened) r.fail(node, path, "MLflow secret '" + id + "' does not open with auth.secrets_key");
  r.remember_secret(*opened);
  const boost::json::value values = boost::json::parse(*opened, ec);
  const auto* v = !ec && values.is_object() ? values.get_object().if_contains(field) : nullptr;
  if (v == nullptr || !v->is_string())
    r.fail(node, path, "MLflow secret '" + id + "' has no value '" + field + "'");
  r.remember_secret(std::string(v->get_string()));
  return std::string(v->get_string());
}

// The value of the stored secret `node` names, opened with auth.secrets_key; remembered as a
// secret so no error quotes it.
std::string stored_secret(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string name = r.string(node, path);
  if (r.stored != nullptr && r.stored->placeholder_secrets) return "sluice-secret-placeholder";
  if (auto ref = mlflow::parse_secret_reference(name); ref && r.stored != nullptr)
    return mlflow_secret_value(r, node, path, ref->first, ref->second);
  const SealedSecret* found = nullptr;
  if (r.stored != nullptr) {
    for (const auto& s : r.stored->secrets) {
      // A stored definition reaches only its own workspace's secrets (a shared "*" one only
      // from a shared endpoint, which only the admin key makes: a workspace admin sets the base
      // URL of what it makes, so any secret it could name, it could send anywhere).
      if (s.name == name && (!r.stored_object() || s.workspace == r.workspace)) found = &s;
    }
  }
  if (found == nullptr && r.stored_object())
    r.fail(node, path,
           "no secret named '" + name + "' in " +
               (r.workspace.empty() ? std::string("the default workspace")
                                    : "workspace '" + r.workspace + "'") +
               " (create it with POST /admin/secrets)");
  if (found == nullptr)
    r.fail(node, path, "no secret named '" + name + "' (create it with POST /admin/secrets)");
  if (r.secrets_key.empty())
    r.fail(node, path, "secrets need auth.secrets_key (or SLUICE_SECRETS_KEY) to be opened");
  const std::string id = util::secrets_key_id(r.secrets_key);
  if (found->key_id != id)
    r.fail(node, path,
           "secret '" + name + "' was sealed with key " + found->key_id +
               ", not the configured auth.secrets_key (" + id +
               "); see `sluice secrets rotate-key`");
  auto value = util::open(r.secrets_key, {found->nonce, found->ciphertext}, name);
  if (!value) r.fail(node, path, "secret '" + name + "' does not open with auth.secrets_key");
  r.remember_secret(*value);
  return *value;
}

// `workspace:` of an endpoint or route: a name, or "*" for one every workspace shares.
std::string read_workspace(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string w = r.string(node, path);
  if (!is_workspace_name(w))
    r.fail(node, path, "must be a workspace name (letters, digits, '_', '-', '.') or \"*\"");
  return w;
}

// A route (or an endpoint's fallback chain) reaches only endpoints its own workspace may see: a
// shared route over one team's endpoint would hand that endpoint to every team.
void check_destination_workspaces(const Reader& r, const YAML::Node& node, const std::string& path,
                                  const Route& route, std::string_view workspace,
                                  const Snapshot& snapshot) {
  for (const auto& d : route.destinations) {
    const std::string& w = snapshot.endpoints[d.endpoint].workspace;
    if (!workspace_visible(workspace, w))
      r.fail(node, path,
             "'" + d.name + "' is in workspace '" + w + "', which '" + route.name +
                 "' (workspace '" + std::string(workspace) + "') may not reach");
  }
}

enum class EndpointForm {
  kEndpoint,     // `endpoints:` entry: endpoint_type
  kLegacyRoute,  // MLflow ≤ 2.8 `routes:` entry: route_type
  kNamedRoute,   // `routes:` entry with a `path`: type
};

Endpoint read_endpoint(const Reader& r, const YAML::Node& node, const std::string& path,
                       const ServerConfig& server, EndpointForm form = EndpointForm::kEndpoint) {
  if (!node.IsMap()) r.fail(node, path, "must be a mapping");
  const char* type_key = form == EndpointForm::kLegacyRoute  ? "route_type"
                         : form == EndpointForm::kNamedRoute ? "type"
                                                             : "endpoint_type";
  if (form == EndpointForm::kEndpoint && node["route_type"]) {
    // MLflow 3.x: check_configuration_deprecated_fields
    r.fail(node["route_type"], path + ".route_type", "Use 'endpoint_type' instead");
  }
  if (form != EndpointForm::kEndpoint && node["endpoint_type"] && !node[type_key])
    type_key = "endpoint_type";
  if (form == EndpointForm::kNamedRoute) {
    r.expect_map(node, path,
                 {"name", type_key, "model", "limit", "timeout", "path", "prompt_template",
                  "parameters", "overrides", "limits", "fallbacks", "retry", "circuit_breaker",
                  "cache", "guardrails", "workspace", "raw_proxy"});
  } else {
    r.expect_map(node, path,
                 {"name", type_key, "model", "limit", "timeout", "prompt_template", "parameters",
                  "overrides", "limits", "fallbacks", "retry", "circuit_breaker", "cache",
                  "guardrails", "workspace", "raw_proxy"});
  }
  for (const char* required : {"name", type_key, "model"}) {
    if (!node[required]) r.fail(node, path, std::string(required) + " is required");
  }
  Endpoint e;
  e.name = r.string(node["name"], path + ".name");
  if (!is_valid_name(e.name)) {
    r.fail(node["name"], path + ".name",
           "'" + e.name + "' may only contain letters, digits, '_', '-' and '.'");
  }
  e.operation = parse_operation(r, node[type_key], path + "." + type_key);
  if (node["workspace"]) e.workspace = read_workspace(r, node["workspace"], path + ".workspace");
  if (node["raw_proxy"]) e.raw_proxy = r.boolean(node["raw_proxy"], path + ".raw_proxy");
  e.prompt = read_prompt_spec(r, node, path);
  if (e.prompt && e.operation == model::Operation::kEmbeddings && !e.prompt->versions.empty()) {
    r.fail(node["prompt_template"], path + ".prompt_template",
           "embeddings endpoints take no prompt template");
  }
  e.timeout = server.upstream_timeout;
  if (node["timeout"]) read_timeouts(r, node["timeout"], path + ".timeout", e.timeout);
  if (node["limit"] && !node["limit"].IsNull())
    e.limit = read_limit(r, node["limit"], path + ".limit");

  const YAML::Node model = node["model"];
  const std::string mp = path.empty() ? "model" : path + ".model";
  r.expect_map(model, mp, {"provider", "name", "config"});
  if (!model["provider"]) r.fail(model, mp, "provider is required");
  e.provider = r.string(model["provider"], mp + ".provider");
  if (model["name"] && !model["name"].IsNull())
    e.model_name = r.string(model["name"], mp + ".name");

  const YAML::Node cfg = model["config"];
  providers::ConfigMap config(cfg ? r.where(cfg) : r.where(model), mp + ".config");
  config.files_allowed = !r.stored_object();
  if (cfg && !cfg.IsNull()) {
    if (!cfg.IsMap()) r.fail(cfg, mp + ".config", "must be a mapping");
    std::set<std::string> seen;
    for (auto it = cfg.begin(); it != cfg.end(); ++it) {
      std::string key = it->first.as<std::string>();
      if (!seen.insert(key).second)
        r.fail(it->first, mp + ".config", "key '" + key + "' is given twice");
      providers::ConfigValue value;
      value.location = r.where(it->second);
      value.is_scalar = it->second.IsScalar();
      if (value.is_scalar) {
        bool secret = false;
        value.text = r.resolved(it->second, mp + ".config." + key, secret);
        if (key.ends_with("_api_key") && !r.stored_object()) value.text = key_from_file(value.text);
      }
      // `{secret: NAME}`: a provider secret kept in the store, opened here.
      if (it->second.IsMap() && it->second.size() == 1 && it->second["secret"]) {
        value.is_scalar = true;
        value.text = stored_secret(r, it->second["secret"], mp + ".config." + key + ".secret");
        config.add(key, std::move(value));
        continue;
      }
      // A nested map (MLflow's `aws_config: {...}`) is read as `parent.child` keys.
      if (it->second.IsMap()) {
        for (auto sub = it->second.begin(); sub != it->second.end(); ++sub) {
          const std::string child = key + "." + sub->first.as<std::string>();
          providers::ConfigValue v;
          v.location = r.where(sub->second);
          v.is_scalar = sub->second.IsScalar();
          if (sub->second.IsMap() && sub->second.size() == 1 && sub->second["secret"]) {
            v.is_scalar = true;
            v.text = stored_secret(r, sub->second["secret"], mp + ".config." + child + ".secret");
          } else if (v.is_scalar) {
            bool secret = false;
            v.text = r.resolved(sub->second, mp + ".config." + child, secret);
          }
          config.add(child, std::move(v));
        }
        continue;
      }
      config.add(key, std::move(value));
    }
  } else if (e.provider != "mock") {
    r.fail(model, mp, "config is required for provider '" + e.provider + "'");
  }
  providers::AdapterSpec spec{e.name, e.operation, e.model_name, &config};
  auto adapter = providers::make_adapter(e.provider, spec);
  if (!adapter) {
    const std::string& m = adapter.error().message;
    // Provider errors about one key already carry their position; others get the provider's.
    if (m.starts_with(r.source() + ":")) throw LoadError{m};
    r.fail(model["provider"], mp + ".provider", m);
  }
  e.adapter = *adapter;
  if (!e.adapter->capabilities().supports(e.operation)) {
    r.fail(node[type_key], path + "." + type_key,
           "provider '" + e.provider + "' cannot serve " +
               std::string(model::endpoint_type_name(e.operation)));
  }
  if (e.raw_proxy && !e.adapter->proxies()) {
    r.fail(node["raw_proxy"], path + ".raw_proxy",
           "provider '" + e.provider +
               "' has no raw proxy (the OpenAI-compatible providers, anthropic, gemini and "
               "vertex_ai have one)");
  }
  if (e.raw_proxy && node["guardrails"] && node["guardrails"].size() > 0) {
    // They could never run: the raw proxy's body has no shape they read.
    r.fail(node["raw_proxy"], path + ".raw_proxy",
           "an endpoint with guardrails cannot take the raw proxy");
  }
  return e;
}

void add_endpoint(const Reader& r, Snapshot& snapshot, Endpoint e, const YAML::Node& node,
                  const std::string& path) {
  if (snapshot.index.contains(e.name)) {
    r.fail(node["name"], path + ".name", "endpoint name '" + e.name + "' is used twice");
  }
  if (e.prompt && !e.prompt->path.empty()) {
    const std::string& p = e.prompt->path;
    // A named path must not shadow one of sluice's own paths.
    if (r.reserved_path && r.reserved_path(p))
      r.fail(node["path"], path + ".path", "'" + p + "' would shadow one of sluice's own paths");
    if (snapshot.path_index.contains(p))
      r.fail(node["path"], path + ".path", "path '" + p + "' is used twice");
    snapshot.path_index.emplace(p, snapshot.endpoints.size());
  }
  // A snapshot built only to validate a change is never served: it registers no series and no
  // health entry (a name the change was refused for must not appear in /metrics).
  if (r.stored == nullptr || !r.stored->dry_run) {
    e.stats = &observability::Metrics::global().endpoint(e.name);
    e.health = &routing::TargetHealth::of(e.name);
  }
  snapshot.index.emplace(e.name, snapshot.endpoints.size());
  snapshot.endpoints.push_back(std::move(e));
}

bool boolean(const Reader& r, const YAML::Node& node, const std::string& path) {
  std::string v = r.string(node, path);
  if (v != "true" && v != "false") r.fail(node, path, "must be true or false");
  return v == "true";
}

RetryPolicy read_retry(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.expect_map(node, path, {"attempts", "backoff_ms", "max_backoff_ms", "on"});
  RetryPolicy retry;
  if (node["attempts"])
    retry.attempts = static_cast<unsigned>(r.integer(node["attempts"], path + ".attempts", 0, 10));
  if (node["backoff_ms"])
    retry.backoff = Millis(r.integer(node["backoff_ms"], path + ".backoff_ms", 0, 60'000));
  if (node["max_backoff_ms"])
    retry.max_backoff =
        Millis(r.integer(node["max_backoff_ms"], path + ".max_backoff_ms", 0, 600'000));
  if (retry.max_backoff < retry.backoff) {
    r.fail(node["max_backoff_ms"] ? node["max_backoff_ms"] : node, path + ".max_backoff_ms",
           "must not be less than backoff_ms");
  }
  if (const YAML::Node on = node["on"]) {
    if (!on.IsSequence() || on.size() == 0) r.fail(on, path + ".on", "must be a non-empty list");
    retry.statuses.reset();
    retry.on_timeout = retry.on_connect = false;
    for (std::size_t i = 0; i < on.size(); ++i) {
      const std::string ip = path + ".on[" + std::to_string(i) + "]";
      const std::string v = r.string(on[i], ip);
      if (v == "timeout") {
        retry.on_timeout = true;
      } else if (v == "connect") {
        retry.on_connect = true;
      } else if (v == "5xx") {
        for (unsigned s = 500; s < 600; ++s) retry.statuses.set(s);
      } else {
        const auto status = r.integer(on[i], ip, 400, 599);
        // The caller's own mistakes are never retried: another try gets the same answer.
        if (status < 500 && status != 408 && status != 409 && status != 425 && status != 429) {
          r.fail(on[i], ip,
                 std::to_string(status) +
                     " is the caller's error and is never retried (allowed: 408, 409, 425, 429, "
                     "5xx, timeout, connect)");
        }
        retry.statuses.set(static_cast<std::size_t>(status));
      }
    }
  }
  return retry;
}

BreakerPolicy read_breaker(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.expect_map(node, path, {"failures", "window_s", "cooldown_s"});
  if (!node["failures"]) r.fail(node, path, "failures is required");
  BreakerPolicy b;
  b.failures = static_cast<unsigned>(r.integer(node["failures"], path + ".failures", 1, 100'000));
  if (node["window_s"])
    b.window = Millis(1000 * r.integer(node["window_s"], path + ".window_s", 1, 86'400));
  if (node["cooldown_s"])
    b.cooldown = Millis(1000 * r.integer(node["cooldown_s"], path + ".cooldown_s", 1, 86'400));
  return b;
}

Strategy parse_strategy(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string v = r.string(node, path);
  for (Strategy s : {Strategy::kFallback, Strategy::kSplit, Strategy::kWeighted,
                     Strategy::kLeastBusy, Strategy::kLeastLatency, Strategy::kCost}) {
    if (strategy_name(s) == v) return s;
  }
  r.fail(node, path,
         "unknown strategy '" + v +
             "' (expected fallback, split, weighted, least_busy, least_latency or cost)");
}

// Whether moving from one destination to another means preparing the request again.
bool needs_reprepare(const Route& route, const Snapshot& snapshot) {
  for (const auto& d : route.destinations) {
    if (snapshot.endpoints[d.endpoint].prompt) return true;
    if (d.prompt_version != route.destinations.front().prompt_version) return true;
  }
  return false;
}

// The target endpoint `name` for a route or fallback list; it must exist and match `operation`.
RouteTarget read_target(const Reader& r, const YAML::Node& node, const std::string& path,
                        const Snapshot& snapshot, model::Operation operation,
                        std::string_view owner) {
  RouteTarget t;
  t.name = r.string(node, path);
  auto it = snapshot.index.find(t.name);
  // A stored object (perhaps a workspace admin's) sees no other workspace's endpoints: they
  // answer as absent, so no name or type of theirs shows.
  if (it != snapshot.index.end() && r.stored_object() &&
      !workspace_visible(r.workspace, snapshot.endpoints[it->second].workspace))
    it = snapshot.index.end();
  if (it == snapshot.index.end()) r.fail(node, path, "'" + t.name + "' is not an endpoint");
  t.endpoint = it->second;
  const Endpoint& target = snapshot.endpoints[t.endpoint];
  if (target.operation != operation) {
    r.fail(node, path,
           "endpoint '" + t.name + "' is " +
               std::string(model::endpoint_type_name(target.operation)) + ", not " +
               std::string(owner) + std::string(model::endpoint_type_name(operation)));
  }
  return t;
}

// An endpoint's own `fallbacks:`, `retry:` and `circuit_breaker:` become a route of its own
// that starts with the endpoint (read once every endpoint is known, as fallbacks name others).
void read_endpoint_routing(const Reader& r, Snapshot& snapshot, std::size_t index,
                           const YAML::Node& node, const std::string& path) {
  Endpoint& e = snapshot.endpoints[index];
  auto route = std::make_shared<Route>();
  route->name = e.name;
  route->operation = e.operation;
  route->implicit = true;
  route->allow_pin = true;  // every destination is an endpoint the client may call directly
  RouteTarget self;
  self.endpoint = index;
  self.name = e.name;
  route->destinations.push_back(self);
  if (const YAML::Node f = node["fallbacks"]) {
    if (!f.IsSequence() || f.size() == 0)
      r.fail(f, path + ".fallbacks", "must be a non-empty list");
    for (std::size_t i = 0; i < f.size(); ++i) {
      const std::string fp = path + ".fallbacks[" + std::to_string(i) + "]";
      RouteTarget t = read_target(r, f[i], fp, snapshot, e.operation,
                                  "the endpoint_type of '" + e.name + "', ");
      for (const auto& d : route->destinations) {
        if (d.endpoint == t.endpoint) r.fail(f[i], fp, "'" + t.name + "' is already in the chain");
      }
      route->destinations.push_back(std::move(t));
    }
  }
  if (node["retry"]) route->retry = read_retry(r, node["retry"], path + ".retry");
  if (node["circuit_breaker"])
    route->breaker = read_breaker(r, node["circuit_breaker"], path + ".circuit_breaker");
  route->reprepare = needs_reprepare(*route, snapshot);
  e.routing = std::move(route);
}

Route read_route(const Reader& r, const YAML::Node& node, const std::string& path,
                 const Snapshot& snapshot) {
  r.expect_map(
      node, path,
      {"name", "task_type", "destinations", "routing_strategy", "strategy", "retry", "timeout",
       "circuit_breaker", "fallback", "allow_pin", "cache", "guardrails", "workspace"});
  for (const char* required : {"name", "task_type", "destinations"}) {
    if (!node[required]) r.fail(node, path, std::string(required) + " is required");
  }
  Route route;
  route.name = r.string(node["name"], path + ".name");
  if (!is_valid_name(route.name)) {
    r.fail(node["name"], path + ".name",
           "'" + route.name + "' may only contain letters, digits, '_', '-' and '.'");
  }
  if (snapshot.index.contains(route.name) || snapshot.route_index.contains(route.name)) {
    r.fail(node["name"], path + ".name",
           "name '" + route.name + "' is already used by an endpoint or route");
  }
  route.operation = parse_operation(r, node["task_type"], path + ".task_type");
  if (node["workspace"])
    route.workspace = read_workspace(r, node["workspace"], path + ".workspace");
  const YAML::Node dests = node["destinations"];
  if (!dests.IsSequence() || dests.size() == 0)
    r.fail(dests, path + ".destinations", "must be a non-empty list");

  // MLflow's form (routing_strategy: TRAFFIC_SPLIT, traffic_percentage) is the split strategy.
  if (auto s = node["routing_strategy"];
      s && r.string(s, path + ".routing_strategy") != "TRAFFIC_SPLIT") {
    r.fail(s, path + ".routing_strategy", "must be TRAFFIC_SPLIT");
  }
  bool percentages = false;
  for (const auto& d : dests) percentages = percentages || (d.IsMap() && d["traffic_percentage"]);
  route.mlflow_shape = node["routing_strategy"] || percentages;
  if (node["strategy"]) {
    route.strategy = parse_strategy(r, node["strategy"], path + ".strategy");
    if (node["routing_strategy"] && route.strategy != Strategy::kSplit) {
      r.fail(node["strategy"], path + ".strategy",
             "routing_strategy TRAFFIC_SPLIT is the split strategy; remove one of the two");
    }
  } else {
    route.strategy = route.mlflow_shape ? Strategy::kSplit : Strategy::kFallback;
  }
  const bool split = route.strategy == Strategy::kSplit;
  const bool cost = route.strategy == Strategy::kCost;

  unsigned total = 0;
  for (std::size_t i = 0; i < dests.size(); ++i) {
    const std::string dp = path + ".destinations[" + std::to_string(i) + "]";
    const YAML::Node d = dests[i];
    r.expect_map(
        d, dp,
        {"name", "traffic_percentage", "weight", "prompt_version", "larger_context", "cost"});
    if (!d["name"]) r.fail(d, dp, "name is required");
    RouteTarget dest = read_target(r, d["name"], dp + ".name", snapshot, route.operation,
                                   "the route's task_type ");
    const Endpoint& target = snapshot.endpoints[dest.endpoint];
    if (d["prompt_version"]) {
      dest.prompt_version = r.string(d["prompt_version"], dp + ".prompt_version");
      if (!target.prompt || target.prompt->version(dest.prompt_version) == nullptr) {
        r.fail(d["prompt_version"], dp + ".prompt_version",
               "endpoint '" + dest.name + "' has no prompt version '" + dest.prompt_version + "'");
      }
    }
    if (split) {
      if (d["weight"])
        r.fail(d["weight"], dp + ".weight", "the split strategy uses traffic_percentage");
      if (!d["traffic_percentage"]) r.fail(d, dp, "name and traffic_percentage are required");
      dest.weight = static_cast<unsigned>(
          r.integer(d["traffic_percentage"], dp + ".traffic_percentage", 0, 100));
      dest.weighted = true;
      total += dest.weight;
    } else {
      if (d["traffic_percentage"]) {
        r.fail(d["traffic_percentage"], dp + ".traffic_percentage",
               "traffic_percentage belongs to the split strategy; use weight with " +
                   std::string(strategy_name(route.strategy)));
      }
      if (d["weight"]) {
        dest.weight = static_cast<unsigned>(r.integer(d["weight"], dp + ".weight", 0, 1'000'000));
        dest.weighted = true;
      }
    }
    if (d["larger_context"])
      dest.larger_context = boolean(r, d["larger_context"], dp + ".larger_context");
    if (cost != static_cast<bool>(d["cost"])) {
      r.fail(d["cost"] ? d["cost"] : d, dp + (d["cost"] ? ".cost" : ""),
             cost ? "the cost strategy needs each destination's cost (USD per 1M tokens)"
                  : "cost is only used by the cost strategy");
    }
    if (cost) {
      const auto& n = d["cost"];
      double v = -1;
      if (n.IsScalar()) {
        const std::string& t = n.Scalar();
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc{} || end != t.data() + t.size()) v = -1;
      }
      if (!(v >= 0)) r.fail(n, dp + ".cost", "must be a number of USD per 1M tokens, 0 or more");
      dest.cost = v;
    }
    route.destinations.push_back(std::move(dest));
  }
  if (split && total != 100) {
    r.fail(dests, path + ".destinations",
           "traffic_percentage values must sum to 100, not " + std::to_string(total));
  }
  if (route.strategy == Strategy::kWeighted && route.total_weight() == 0)
    r.fail(dests, path + ".destinations", "at least one weight must be above 0");
  if (node["retry"]) route.retry = read_retry(r, node["retry"], path + ".retry");
  if (node["timeout"]) {
    UpstreamTimeouts t = snapshot.server.upstream_timeout;
    read_timeouts(r, node["timeout"], path + ".timeout", t);
    route.timeout = t;
  }
  if (node["circuit_breaker"])
    route.breaker = read_breaker(r, node["circuit_breaker"], path + ".circuit_breaker");
  if (node["fallback"]) route.fallback = boolean(r, node["fallback"], path + ".fallback");
  if (node["allow_pin"]) route.allow_pin = boolean(r, node["allow_pin"], path + ".allow_pin");
  route.reprepare = needs_reprepare(route, snapshot);
  return route;
}

// A budget's on_exceed: fallback names an endpoint of this file (not a route: the request is
// sent there as it is, once).
void check_budget_fallbacks(const Reader& r, const YAML::Node& root, const Snapshot& snapshot) {
  auto check = [&](const BudgetSpec& b, const YAML::Node& node, const std::string& path) {
    if (b.on_exceed != OnExceed::kFallback) return;
    if (snapshot.find(b.fallback) == nullptr)
      r.fail(node["fallback"], path + ".fallback",
             "names no endpoint: '" + b.fallback + "' (a budget falls back to an endpoint)");
  };
  const YAML::Node budgets = root["budgets"];
  for (std::size_t i = 0; i < snapshot.governance.budgets.size(); ++i)
    check(snapshot.governance.budgets[i], budgets[i], "budgets[" + std::to_string(i) + "]");
  const YAML::Node keys = root["auth"] ? root["auth"]["keys"] : YAML::Node();
  for (std::size_t i = 0; keys && i < keys.size(); ++i) {
    if (!keys[i]["budget"]) continue;
    const std::string path = "auth.keys[" + std::to_string(i) + "].budget";
    check(read_budget_spec(r, keys[i]["budget"], path), keys[i]["budget"], path);
  }
}

// A cache in Redis needs `stores.redis`; a cache anywhere attaches the cache policy.
void check_cache(const Reader& r, Snapshot& snapshot, const CacheSpec& spec, const YAML::Node& node,
                 const std::string& path) {
  if (spec.mode == CacheSpec::Mode::kOff) return;
  snapshot.cache.any = true;
  const YAML::Node where = node["cache"] ? node["cache"] : node;
  if (spec.store == CacheSpec::Store::kRedis && snapshot.governance.store.redis.empty())
    r.fail(where, path + ".cache.store", "redis needs stores.redis (the server to keep it in)");
  if (spec.mode == CacheSpec::Mode::kSemantic) {
    const Endpoint* e = snapshot.find(spec.embeddings_endpoint);
    // (A stored object reaches only what its workspace sees; the file may name any.)
    if (e != nullptr && r.stored_object() && !workspace_visible(r.workspace, e->workspace))
      e = nullptr;
    if (spec.embeddings_endpoint.empty())
      r.fail(where, path + ".cache", "mode semantic needs embeddings_endpoint");
    if (e == nullptr || e->operation != model::Operation::kEmbeddings)
      r.fail(where, path + ".cache.embeddings_endpoint",
             "'" + spec.embeddings_endpoint + "' is not an llm/v1/embeddings endpoint");
  }
}

// auth.secrets_key, else SLUICE_SECRETS_KEY: the key that seals provider secrets in the store.
void read_secrets_key(const Reader& r, const YAML::Node& auth, Snapshot& snapshot) {
  std::string text;
  if (auth && auth["secrets_key"]) {
    bool secret = false;
    text = r.resolved(auth["secrets_key"], "auth.secrets_key", secret);
    r.remember_secret(text);
  } else if (auto env = r.env()("SLUICE_SECRETS_KEY"); env && !env->empty()) {
    text = *env;
    r.remember_secret(text);
  } else {
    return;
  }
  auto key = util::parse_secrets_key(text);
  if (!key) {
    if (auth && auth["secrets_key"])
      r.fail(auth["secrets_key"], "auth.secrets_key", key.error().message);
    throw LoadError{r.source() + ": SLUICE_SECRETS_KEY " + key.error().message};
  }
  r.remember_secret(*key);
  snapshot.secrets_key = *key;
  r.secrets_key = *key;
}

// An object kept in the store, parsed from its JSON (a YAML flow mapping), within the same
// bounds as a file.
YAML::Node stored_node(const Reader& r, const StoredObject& o) {
  YAML::Node node;
  try {
    node = YAML::Load(o.body);
  } catch (const YAML::Exception& e) {
    throw LoadError{r.source() + ": the stored body is not valid JSON: " + e.msg};
  }
  if (!node.IsMap()) throw LoadError{r.source() + ": must be a JSON object"};
  const YAML::Node name = node["name"];
  if (!name || !name.IsScalar() || name.Scalar() != o.name)
    throw LoadError{r.source() + ": name: must be '" + o.name + "'"};
  return node;
}

void check_tree(const YAML::Node& node, std::size_t depth, std::size_t& budget,
                const std::string& source);

std::string workspace_of(const StoredConfig& stored, std::string_view kind, std::string_view name) {
  for (const auto& o : stored.objects) {
    if (o.kind == kind && o.name == name) return o.workspace;
  }
  return "";
}

std::string stored_source(const StoredObject& o) {
  return "stored " + o.kind + " '" + o.name + "'";
}

// Thrown by build() when stored endpoints fail after every endpoint was numbered (their cache,
// guardrails or fallbacks): each one's name and why, so load() can build again without them.
struct StoredLeftOut {
  struct Object {
    std::string kind, name, message;
  };
  std::vector<Object> objects;
};

// `workspaces:`: a list of names, or of {name, description}.
void read_workspaces(const Reader& r, const YAML::Node& node, Snapshot& s) {
  if (!node) return;
  if (!node.IsSequence()) r.fail(node, "workspaces", "must be a list of workspace names");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "workspaces[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    std::string name, description;
    if (item.IsMap()) {
      r.expect_map(item, path, {"name", "description"});
      if (!item["name"]) r.fail(item, path, "'name' is required");
      name = r.string(item["name"], path + ".name");
      if (item["description"]) description = r.string(item["description"], path + ".description");
    } else {
      name = r.string(item, path);
    }
    if (!is_workspace_name(name) || name == "*")
      r.fail(item, path, "must be a workspace name (letters, digits, '_', '-', '.')");
    for (const auto& [seen, _] : s.workspaces) {
      if (seen == name) r.fail(item, path, "'" + name + "' is declared twice");
    }
    s.workspaces.emplace_back(name, description);
  }
}

// With `workspaces:` declared, what names a workspace names a declared one. The file's objects
// fail the load; stored ones are left out (StoredLeftOut) when the store may hold broken ones.
void check_declared_workspaces(const Reader& r, const Snapshot& s) {
  if (s.workspaces.empty()) return;
  auto undeclared = [&](const std::string& what, const std::string& workspace) {
    return r.source() + ": " + what + ": workspace '" + workspace +
           "' is not declared in workspaces:";
  };
  for (const auto& k : s.governance.keys) {
    if (!s.workspace_declared(k->workspace))
      throw LoadError{undeclared("auth.keys '" + k->name + "'", k->workspace)};
  }
  for (const auto& [host, workspace] : s.server.hosts) {
    if (!s.workspace_declared(workspace))
      throw LoadError{undeclared("server.hosts." + host, workspace)};
  }
  for (const auto& l : s.governance.limits) {
    if (l.scope == Scope::kWorkspace && !s.workspace_declared(l.match))
      throw LoadError{undeclared("limits (match)", l.match)};
  }
  for (const auto& b : s.governance.budgets) {
    if (b.scope == Scope::kWorkspace && !s.workspace_declared(b.match))
      throw LoadError{undeclared("budgets (match)", b.match)};
  }
  StoredLeftOut failed;
  auto check = [&](std::string_view kind, const std::string& name, const std::string& workspace,
                   bool stored) {
    if (s.workspace_declared(workspace)) return;
    if (!stored) throw LoadError{undeclared(std::string(kind) + " '" + name + "'", workspace)};
    const std::string message = "stored " + std::string(kind) + " '" + name + "': workspace: '" +
                                workspace + "' is not declared in the file's workspaces:";
    if (r.stored == nullptr || !r.stored->skip_broken) throw LoadError{message};
    failed.objects.push_back({std::string(kind), name, message});
  };
  for (const auto& e : s.endpoints) check("endpoint", e.name, e.workspace, e.stored);
  for (const auto& route : s.routes) check("route", route.name, route.workspace, route.stored);
  if (!failed.objects.empty()) throw failed;
}

// `left_out`: why stored objects were taken out before this build (kept as warnings first).
SnapshotPtr build(const Reader& r, const YAML::Node& root,
                  const std::vector<std::string>& left_out = {}) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->warnings = left_out;
  snapshot->source = r.source();
  if (!root || root.IsNull())
    throw LoadError{r.source() + ": the file is empty; expected 'endpoints:'"};
  r.expect_map(root, "",
               {"endpoints", "routes", "server", "auth", "limits", "budgets", "pricing", "stores",
                "accounting", "cache", "guardrails", "otel", "request_log", "workspaces",
                "alerts"});
  read_workspaces(r, root["workspaces"], *snapshot);
  snapshot->server = read_server(r, root["server"]);
  snapshot->otel = read_otel(r, root["otel"], r.env());
  snapshot->alerts = read_alerts(r, root["alerts"]);
  if (const YAML::Node auth = root["auth"]) {
    r.expect_map(auth, "auth", {"mode", "admin_key", "pepper", "keys", "secrets_key"});
    if (auth["admin_key"]) {
      bool secret = false;
      snapshot->admin_key = r.resolved(auth["admin_key"], "auth.admin_key", secret);
      if (snapshot->admin_key.size() < 16)
        r.fail(auth["admin_key"], "auth.admin_key", "must be at least 16 characters");
    }
  }
  read_secrets_key(r, root["auth"], *snapshot);
  read_governance(r, root, snapshot->governance);
  snapshot->cache = read_cache_config(r, root["cache"]);
  {
    const std::string& source = r.source();
    const auto slash = source.rfind('/');
    snapshot->guardrails = read_guardrails(
        r, root["guardrails"], slash == std::string::npos ? "." : source.substr(0, slash));
    for (std::size_t i = 0; i < snapshot->governance.keys.size(); ++i) {
      for (const auto& name : snapshot->governance.keys[i]->guardrails) {
        if (snapshot->guardrails.find(name) == nullptr)
          r.fail(root["auth"]["keys"][i], "auth.keys[" + std::to_string(i) + "].guardrails",
                 "no guardrail named '" + name + "' (define it under guardrails:)");
      }
    }
  }
  if (r.stored != nullptr && r.stored->governance_only) return snapshot;
  const YAML::Node endpoints = root["endpoints"];
  const YAML::Node routes = root["routes"];
  if (!endpoints && !routes) r.fail(root, "", "'endpoints' is required");
  if (endpoints && !endpoints.IsSequence()) r.fail(endpoints, "endpoints", "must be a list");
  if (routes && !routes.IsSequence()) r.fail(routes, "routes", "must be a list");
  // Endpoints first, from both lists (`routes:` entries with `model` are MLflow ≤ 2.8
  // endpoints), then what refers to them: fallback chains and routes over endpoints.
  struct Read {
    YAML::Node node;
    std::string path;
    const Reader* reader;
  };
  std::vector<Read> read;
  for (std::size_t i = 0; endpoints && i < endpoints.size(); ++i) {
    const std::string path = "endpoints[" + std::to_string(i) + "]";
    add_endpoint(r, *snapshot, read_endpoint(r, endpoints[i], path, snapshot->server), endpoints[i],
                 path);
    read.push_back({endpoints[i], path, &r});
  }
  for (std::size_t i = 0; routes && i < routes.size(); ++i) {
    const std::string path = "routes[" + std::to_string(i) + "]";
    if (routes[i].IsMap() && routes[i]["model"]) {
      const auto form = routes[i]["path"] ? EndpointForm::kNamedRoute : EndpointForm::kLegacyRoute;
      add_endpoint(r, *snapshot, read_endpoint(r, routes[i], path, snapshot->server, form),
                   routes[i], path);
      read.push_back({routes[i], path, &r});
    }
  }
  // Then those kept in the store (made through the admin API), each with a reader of its own
  // so an error names the object and field rather than a line of the file.
  std::deque<Reader> stored_readers;
  std::vector<std::pair<const Reader*, YAML::Node>> stored_routes;
  for (const StoredObject& o : r.stored ? r.stored->objects : std::vector<StoredObject>{}) {
    if (mlflow::is_mlflow_kind(o.kind)) continue;  // (expanded by load(); secrets read below)
    Reader& sr = stored_readers.emplace_back(r, stored_source(o));
    sr.workspace = o.workspace;
    YAML::Node node;
    try {
      node = stored_node(sr, o);
      std::size_t budget = 10'000;
      check_tree(node, 0, budget, sr.source());
      if (o.kind == "route") {
        stored_routes.emplace_back(&sr, node);
        continue;
      }
      Endpoint e = read_endpoint(sr, node, "", snapshot->server);
      e.stored = true;
      e.workspace = o.workspace;
      add_endpoint(sr, *snapshot, std::move(e), node, "");
    } catch (const LoadError& e) {
      if (!r.stored->skip_broken) throw;
      snapshot->warnings.push_back(e.message);
      continue;
    }
    read.push_back({node, "", &sr});
  }
  StoredLeftOut failed;
  for (std::size_t i = 0; i < read.size(); ++i) {
    const Reader& r = *read[i].reader;
    const YAML::Node& node = read[i].node;
    try {
      snapshot->endpoints[i].cache =
          read_cache_spec(r, node["cache"], read[i].path + ".cache", snapshot->cache.defaults);
      check_cache(r, *snapshot, *snapshot->endpoints[i].cache, node, read[i].path);
      snapshot->endpoints[i].guardrails = read_guardrail_refs(
          r, node["guardrails"], read[i].path + ".guardrails", snapshot->guardrails);
      if (node["fallbacks"] || node["retry"] || node["circuit_breaker"]) {
        read_endpoint_routing(r, *snapshot, i, node, read[i].path);
        const Endpoint& e = snapshot->endpoints[i];
        if (e.routing)
          check_destination_workspaces(r, node, read[i].path + ".fallbacks", *e.routing,
                                       e.workspace, *snapshot);
      }
    } catch (const LoadError& e) {
      // A stored endpoint whose cache, guardrails or fallbacks do not hold is left out like one
      // whose model does not: the whole config is read again without it (load() below), as
      // endpoints are already numbered by now.
      if (!r.stored_object() || !r.stored->skip_broken) throw;
      failed.objects.push_back({"endpoint", snapshot->endpoints[i].name, e.message});
    }
  }
  if (!failed.objects.empty()) throw failed;
  for (std::size_t i = 0; routes && i < routes.size(); ++i) {
    const std::string path = "routes[" + std::to_string(i) + "]";
    const YAML::Node node = routes[i];
    if (node.IsMap() && node["model"]) continue;
    if (node.IsMap() && node["path"]) r.fail(node, path, "a route with a path needs a model");
    Route route = read_route(r, node, path, *snapshot);
    check_destination_workspaces(r, node["destinations"], path + ".destinations", route,
                                 route.workspace, *snapshot);
    route.cache = read_cache_spec(r, node["cache"], path + ".cache", snapshot->cache.defaults);
    check_cache(r, *snapshot, *route.cache, node, path);
    route.guardrails =
        read_guardrail_refs(r, node["guardrails"], path + ".guardrails", snapshot->guardrails);
    snapshot->route_index.emplace(route.name, snapshot->routes.size());
    snapshot->routes.push_back(std::move(route));
  }
  for (std::size_t i = 0; i < stored_routes.size(); ++i) {
    const Reader& sr = *stored_routes[i].first;
    const YAML::Node& node = stored_routes[i].second;
    try {
      if (node["model"] || node["path"])
        sr.fail(node, "", "a stored route spreads requests over endpoints (no model or path)");
      Route route = read_route(sr, node, "", *snapshot);
      route.cache = read_cache_spec(sr, node["cache"], "cache", snapshot->cache.defaults);
      check_cache(sr, *snapshot, *route.cache, node, "");
      route.guardrails =
          read_guardrail_refs(sr, node["guardrails"], "guardrails", snapshot->guardrails);
      route.stored = true;
      route.workspace = workspace_of(*r.stored, "route", route.name);
      check_destination_workspaces(sr, node["destinations"], "destinations", route, route.workspace,
                                   *snapshot);
      snapshot->route_index.emplace(route.name, snapshot->routes.size());
      snapshot->routes.push_back(std::move(route));
    } catch (const LoadError& e) {
      if (!r.stored->skip_broken) throw;
      snapshot->warnings.push_back(e.message);
    }
  }
  check_budget_fallbacks(r, root, *snapshot);
  check_declared_workspaces(r, *snapshot);
  // (A stored object's message may quote a value a secret resolved to.)
  for (auto& w : snapshot->warnings)
    w = util::mask_url_userinfo(util::redact_exact(w, r.secrets()));
  return snapshot;
}

// A config may come from a less trusted hand than the binary (a GitOps repository, the admin
// API), so reading it is bounded in time and memory whatever it holds: its size, how deeply it
// nests, and how many nodes it has once aliases are expanded (a "billion laughs" file is a few
// hundred bytes that expand to billions of nodes).
constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxExpandedNodes = 250'000;

// Flow collections ([ { ) are parsed recursively by yaml-cpp; deep ones are refused before it
// sees them. Brackets inside quoted scalars or comments count too: a conservative bound.
void check_text(std::string_view text, const std::string& source) {
  if (text.size() > kMaxConfigBytes) {
    throw LoadError{source + ": the file is larger than " + std::to_string(kMaxConfigBytes) +
                    " bytes"};
  }
  std::size_t depth = 0;
  std::size_t line = 1;
  for (char c : text) {
    if (c == '\n') ++line;
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        throw LoadError{source + ":" + std::to_string(line) + ": nests deeper than " +
                        std::to_string(kMaxDepth) + " levels"};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// Visits the tree as the loader will (each alias as often as it is used), within the budget.
void check_tree(const YAML::Node& node, std::size_t depth, std::size_t& budget,
                const std::string& source) {
  if (budget == 0) {
    throw LoadError{source + ": the config expands to more than " +
                    std::to_string(kMaxExpandedNodes) +
                    " values (YAML aliases that repeat each other?)"};
  }
  --budget;
  if (depth > kMaxDepth) {
    throw LoadError{source + ":" + std::to_string(node.Mark().line + 1) + ": nests deeper than " +
                    std::to_string(kMaxDepth) + " levels"};
  }
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      check_tree(it->first, depth + 1, budget, source);
      check_tree(it->second, depth + 1, budget, source);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) check_tree(item, depth + 1, budget, source);
  }
}

Result<SnapshotPtr> load(const std::function<YAML::Node()>& parse, const std::string& source,
                         const EnvLookup& env, const ReservedPath& reserved,
                         const StoredConfig* stored) {
  // Stored endpoints found broken late in the build (StoredLeftOut): built again without them.
  std::optional<StoredConfig> without;
  std::vector<std::string> left_out;
  // MLflow 3's gateway objects are served as the endpoints and routes they expand to.
  std::optional<StoredConfig> expanded;
  if (stored != nullptr &&
      std::any_of(stored->objects.begin(), stored->objects.end(),
                  [](const StoredObject& o) { return o.kind == mlflow::kEndpointKind; })) {
    mlflow::Expansion x = mlflow::expand(*stored);
    if (!x.problems.empty() && !stored->skip_broken) return Error::invalid(x.problems.front());
    left_out.insert(left_out.end(), x.problems.begin(), x.problems.end());
    expanded = *stored;
    std::erase_if(expanded->objects,
                  [](const StoredObject& o) { return o.kind == mlflow::kEndpointKind; });
    for (auto& o : x.objects) expanded->objects.push_back(std::move(o));
    stored = &*expanded;
  }
  for (;;) {
    Reader reader(source, env);
    reader.reserved_path = reserved;
    reader.stored = without ? &*without : stored;
    try {
      YAML::Node root = parse();
      std::size_t budget = kMaxExpandedNodes;
      check_tree(root, 0, budget, source);
      return build(reader, root, left_out);
    } catch (const StoredLeftOut& out) {
      if (!without) without = *stored;
      for (const auto& object : out.objects) {
        const auto removed = std::erase_if(without->objects, [&](const StoredObject& o) {
          return o.kind == object.kind && o.name == object.name;
        });
        if (removed == 0) return Error::invalid(object.message);  // (never loops)
        left_out.push_back(
            util::mask_url_userinfo(util::redact_exact(object.message, reader.secrets())));
      }
      continue;  // each round takes at least one object out, so this ends
    } catch (const LoadError& e) {
      // Whatever part of the loader wrote the message (a provider quoting a bad base URL, a file
      // path that was a key), a value that came from a secret never appears in it.
      return Error::invalid(
          util::mask_url_userinfo(util::redact_exact(e.message, reader.secrets())));
    } catch (const YAML::BadFile&) {
      return Error::invalid(source + ": cannot read the file");

    } catch (const YAML::Exception& e) {
      return Error::invalid(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
    } catch (const std::exception& e) {
      // Whatever a part of the loader let escape (an I/O error from a stream) is a load error,
      // never a crash of the gateway that was reloading.
      return Error::invalid(util::redact_exact(source + ": " + e.what(), reader.secrets()));
    }
  }
}

}  // namespace

Result<SnapshotPtr> load_file(const std::string& path, const EnvLookup& env,
                              const ReservedPath& reserved, const StoredConfig* stored) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::invalid(path + ": cannot read the file");
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) break;  // check_text says so
  }
  return load_string(text, path, env, reserved, stored);
}

Result<SnapshotPtr> load_string(std::string_view yaml, const std::string& source_name,
                                const EnvLookup& env, const ReservedPath& reserved,
                                const StoredConfig* stored) {
  try {
    check_text(yaml, source_name);
  } catch (const LoadError& e) {
    return Error::invalid(e.message);
  }
  return load([&] { return YAML::Load(std::string(yaml)); }, source_name, env, reserved, stored);
}

}  // namespace sluice::config
