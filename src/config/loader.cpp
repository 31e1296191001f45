#include "config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "observability/metrics.hpp"
#include "providers/registry.hpp"

namespace sluice::config {
namespace {

// Thrown inside the loader only; load_* turn it into an Error (exceptions are fine at startup).
struct LoadError {
  std::string message;
};

class Reader {
 public:
  Reader(std::string source, const EnvLookup& env) : source_(std::move(source)), env_(env) {}

  std::string where(const YAML::Node& node) const {
    const auto mark = node.Mark();
    if (mark.line < 0) return source_;
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& message) const {
    throw LoadError{where(node) + ": " + (path.empty() ? "" : path + ": ") + message};
  }

  // Checks `node` is a map whose keys are all in `allowed`, with no key given twice.
  void expect_map(const YAML::Node& node, const std::string& path,
                  std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) fail(node, path, "must be a mapping");
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>();
      if (!seen.insert(key).second) fail(it->first, path, "key '" + key + "' is given twice");
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += std::string(list.empty() ? "" : ", ") + std::string(a);
        fail(it->first, path, "unknown key '" + key + "' (expected one of: " + list + ")");
      }
    }
  }

  std::string string(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "must be a string");
    return node.Scalar();
  }

  long long integer(const YAML::Node& node, const std::string& path, long long min,
                    long long max) const {
    if (!node.IsScalar()) fail(node, path, "must be an integer");
    const std::string& t = node.Scalar();
    long long v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (node.Tag() == "!" || ec != std::errc{} || end != t.data() + t.size()) {
      fail(node, path, "must be an integer, got '" + t + "'");
    }
    if (v < min || v > max) {
      fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }

  std::string resolved(const YAML::Node& node, const std::string& path, bool& was_secret) const {
    auto r = resolve_secrets(string(node, path), env_, was_secret);
    if (!r) fail(node, path, r.error().message);
    return *r;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  const EnvLookup& env_;
};

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
  r.fail(node, path,
         "unknown endpoint type '" + t +
             "' (expected llm/v1/chat, llm/v1/completions or llm/v1/embeddings)");
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
                "request_timeout_ms", "shutdown_timeout_ms", "access_log", "upstream_timeout"});
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
    s.max_header_bytes = static_cast<std::uint32_t>(
        r.integer(node["max_header_bytes"], p + ".max_header_bytes", 1024, 1 << 20));
  }
  constexpr long long kDay = 86'400'000;
  if (node["idle_timeout_ms"])
    s.idle_timeout = Millis(r.integer(node["idle_timeout_ms"], p + ".idle_timeout_ms", 1, kDay));
  if (node["request_timeout_ms"])
    s.request_timeout =
        Millis(r.integer(node["request_timeout_ms"], p + ".request_timeout_ms", 1, kDay));
  if (node["shutdown_timeout_ms"])
    s.shutdown_timeout =
        Millis(r.integer(node["shutdown_timeout_ms"], p + ".shutdown_timeout_ms", 0, kDay));
  if (node["access_log"]) {
    const auto& n = node["access_log"];
    s.access_log = n.IsNull() ? "" : r.string(n, p + ".access_log");
  }
  if (node["upstream_timeout"])
    read_timeouts(r, node["upstream_timeout"], p + ".upstream_timeout", s.upstream_timeout);
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

Endpoint read_endpoint(const Reader& r, const YAML::Node& node, const std::string& path,
                       const ServerConfig& server) {
  r.expect_map(node, path, {"name", "endpoint_type", "model", "limit", "timeout"});
  for (const char* required : {"name", "endpoint_type", "model"}) {
    if (!node[required]) r.fail(node, path, std::string(required) + " is required");
  }
  Endpoint e;
  e.name = r.string(node["name"], path + ".name");
  if (!is_valid_name(e.name)) {
    r.fail(node["name"], path + ".name",
           "'" + e.name + "' may only contain letters, digits, '_', '-' and '.'");
  }
  e.operation = parse_operation(r, node["endpoint_type"], path + ".endpoint_type");
  e.timeout = server.upstream_timeout;
  if (node["timeout"]) read_timeouts(r, node["timeout"], path + ".timeout", e.timeout);
  if (node["limit"] && !node["limit"].IsNull())
    e.limit = read_limit(r, node["limit"], path + ".limit");

  const YAML::Node model = node["model"];
  const std::string mp = path + ".model";
  r.expect_map(model, mp, {"provider", "name", "config"});
  if (!model["provider"]) r.fail(model, mp, "provider is required");
  e.provider = r.string(model["provider"], mp + ".provider");
  if (model["name"] && !model["name"].IsNull())
    e.model_name = r.string(model["name"], mp + ".name");

  const YAML::Node cfg = model["config"];
  providers::ConfigMap config(cfg ? r.where(cfg) : r.where(model), mp + ".config");
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
    r.fail(node["endpoint_type"], path + ".endpoint_type",
           "provider '" + e.provider + "' cannot serve " +
               std::string(model::endpoint_type_name(e.operation)));
  }
  return e;
}

SnapshotPtr build(const Reader& r, const YAML::Node& root) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->source = r.source();
  if (!root || root.IsNull())
    throw LoadError{r.source() + ": the file is empty; expected 'endpoints:'"};
  r.expect_map(root, "", {"endpoints", "routes", "server"});
  if (root["routes"]) {
    r.fail(root["routes"], "routes",
           "routes are not supported by this version of sluice yet; use endpoints");
  }
  snapshot->server = read_server(r, root["server"]);
  const YAML::Node endpoints = root["endpoints"];
  if (!endpoints) r.fail(root, "", "'endpoints' is required");
  if (!endpoints.IsSequence()) r.fail(endpoints, "endpoints", "must be a list");
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const std::string path = "endpoints[" + std::to_string(i) + "]";
    Endpoint e = read_endpoint(r, endpoints[i], path, snapshot->server);
    if (snapshot->index.contains(e.name)) {
      r.fail(endpoints[i]["name"], path + ".name", "endpoint name '" + e.name + "' is used twice");
    }
    e.stats = &observability::Metrics::global().endpoint(e.name);
    snapshot->index.emplace(e.name, snapshot->endpoints.size());
    snapshot->endpoints.push_back(std::move(e));
  }
  return snapshot;
}

Result<SnapshotPtr> load(const std::function<YAML::Node()>& parse, const std::string& source,
                         const EnvLookup& env) {
  try {
    Reader reader(source, env);
    return SnapshotPtr(build(reader, parse()));
  } catch (const LoadError& e) {
    return Error::invalid(e.message);
  } catch (const YAML::BadFile&) {
    return Error::invalid(source + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    return Error::invalid(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace

Result<SnapshotPtr> load_file(const std::string& path, const EnvLookup& env) {
  return load([&] { return YAML::LoadFile(path); }, path, env);
}

Result<SnapshotPtr> load_string(std::string_view yaml, const std::string& source_name,
                                const EnvLookup& env) {
  return load([&] { return YAML::Load(std::string(yaml)); }, source_name, env);
}

}  // namespace sluice::config
