// MLflow 3's gateway management API on sluice's control plane (docs/mlflow-compat.md,
// "Management API"): secrets, model definitions and endpoints under /api/3.0/mlflow/gateway/
// (and /ajax-api/3.0/mlflow/gateway/, where MLflow's UI calls them), with the fields, paths and
// errors of mlflow/protos/service.proto and mlflow/server/handlers.py. Each object is one
// control-plane row (config/mlflow_objects.hpp); every write is checked by building the config
// as it would be (the same loader), then written with its audit record in one transaction, and
// served here at once and on every replica within a second, as /admin/endpoints is.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <cctype>
#include <map>

#include "admin/control_plane.hpp"
#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "config/mlflow_objects.hpp"
#include "util/key_secret.hpp"
#include "util/secret_box.hpp"

namespace sluice::admin {

namespace json = boost::json;
namespace mlf = config::mlflow;
using config::StoredObject;
using governance::Runtime;

AdminAnswer mlflow_error(const Error& e) {
  // The status MLflow's REST handlers give each databricks_pb2 error code.
  unsigned status = 500;
  std::string_view code = "INTERNAL_ERROR";
  switch (e.code) {
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kUnprocessable:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kUnsupportedMediaType:
      status = 400;
      code = "INVALID_PARAMETER_VALUE";
      break;
    case ErrorCode::kNotFound:
      status = 404;
      code = "RESOURCE_DOES_NOT_EXIST";
      break;
    case ErrorCode::kConflict:  // (another writer changed the control plane meanwhile)
      status = 409;
      code = "ABORTED";
      break;
    case ErrorCode::kUnauthorized:
      status = 401;
      code = "UNAUTHENTICATED";
      break;
    case ErrorCode::kForbidden:
      status = 403;
      code = "PERMISSION_DENIED";
      break;
    case ErrorCode::kMethodNotAllowed:
      status = 405;
      code = "BAD_REQUEST";
      break;
    case ErrorCode::kServiceUnavailable:
      status = 503;
      code = "TEMPORARILY_UNAVAILABLE";
      break;
    default:
      break;
  }
  AdminAnswer a;
  a.status = status;
  a.body = json::serialize(json::object{{"error_code", code}, {"message", e.message}});
  return a;
}

namespace {

constexpr std::size_t kMaxBodyBytes = 256 * 1024;
constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr std::size_t kMaxTextBytes = 4096;

AdminAnswer invalid(std::string message) {
  return mlflow_error(Error::invalid(std::move(message)));
}
AdminAnswer missing(std::string message) {
  return mlflow_error(Error::make(ErrorCode::kNotFound, std::move(message)));
}
AdminAnswer exists(std::string message) {
  AdminAnswer a;
  a.status = 400;
  a.body = json::serialize(
      json::object{{"error_code", "RESOURCE_ALREADY_EXISTS"}, {"message", std::move(message)}});
  return a;
}
AdminAnswer answer(const AdminAnswer& a) { return a.error ? mlflow_error(*a.error) : a; }

// The parameters of a GET (decoded), or of a DELETE without a body.
Result<std::map<std::string, std::string>> query_params(
    std::string_view query, std::initializer_list<std::string_view> known) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  auto params = boost::urls::parse_query(query);
  if (!params) return Error::invalid("The query string is not valid URL encoding.");
  for (const auto& p : *params) {
    if (std::find(known.begin(), known.end(), std::string_view(p.key)) == known.end())
      return Error::invalid("Unknown parameter '" + shown(p.key) + "'.");
    out.emplace(p.key.decode(), p.value.decode());
  }
  return out;
}

// A body's text field: absent → nullopt; not a string or too long → an error.
Result<std::optional<std::string>> text_field(const json::object& body, std::string_view key,
                                              std::size_t max = 256) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return Error::invalid("'" + std::string(key) + "' must be a string.");
  if (v->get_string().size() > max)
    return Error::invalid("'" + std::string(key) + "' is longer than " + std::to_string(max) +
                          " bytes.");
  return std::optional<std::string>(std::string(v->get_string()));
}

// A map<string, string> of the proto (secret_value, auth_config): an object of strings.
Result<json::object> string_map(const json::value& v, std::string_view key, std::size_t max_bytes) {
  if (!v.is_object()) return Error::invalid("'" + std::string(key) + "' must be an object.");
  std::size_t total = 0;
  for (const auto& [k, value] : v.get_object()) {
    const bool plain = !k.empty() && k.size() <= 64 && std::all_of(k.begin(), k.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!plain)
      return Error::invalid("The keys of '" + std::string(key) +
                            "' are names (letters, digits, '_', '-', '.').");
    if (!value.is_string())
      return Error::invalid("'" + std::string(key) + "." + std::string(k) + "' must be a string.");
    const std::string_view s = value.get_string();
    if (s.find('\0') != std::string_view::npos)
      return Error::invalid("'" + std::string(key) + "." + std::string(k) +
                            "' must not contain NUL characters.");
    total += k.size() + s.size();
  }
  if (total > max_bytes)
    return Error::invalid("'" + std::string(key) + "' is larger than " + std::to_string(max_bytes) +
                          " bytes.");
  return v.get_object();
}

// What a list shows of a secret value: its last four characters when it is long enough that
// they give nothing away and they are plain ASCII (four bytes of a longer character would not be
// text), else nothing.
std::string masked(std::string_view value) {
  if (value.size() < 16) return "********";
  const std::string_view tail = value.substr(value.size() - 4);
  if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c > 0x20 && c < 0x7F; }))
    return "********";
  return "********" + std::string(tail);
}

// A value that goes into a request header (a key, a token) or a URL (auth_config): control
// characters would make every call of the endpoint fail, or split the header. A service account
// (vertex_credentials) is a JSON document and may hold line breaks.
std::optional<std::string> control_character(const json::object& map, std::string_view key) {
  for (const auto& [k, v] : map) {
    const bool document = k == "vertex_credentials";
    for (char c : v.get_string()) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 || u == 0x7F) && !(document && (c == '\n' || c == '\r' || c == '\t')))
        return "'" + std::string(key) + "." + std::string(k) +
               "' must not contain control characters.";
    }
  }
  return std::nullopt;
}

// auth_config: text for the provider config, which a stored definition holds as it is (no
// environment references: those are the config file's).
Result<json::object> auth_config_of(const json::value& v) {
  auto m = string_map(v, "auth_config", kMaxTextBytes);
  if (!m) return m.error();
  for (const auto& [k, value] : *m) {
    if (std::string_view(value.get_string()).find('$') != std::string_view::npos)
      return Error::invalid("'auth_config." + std::string(k) +
                            "' must not contain '$' (environment references are for the config "
                            "file).");
  }
  if (auto why = control_character(*m, "auth_config")) return Error::invalid(*why);
  return m;
}

json::object parse_object(const StoredObject& o) {
  boost::system::error_code ec;
  json::value v = json::parse(o.body, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : json::object{};
}

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

class Gateway {
 public:
  Gateway(const AdminRequest& req, Runtime& runtime, const config::Snapshot& snapshot)
      : req_(req),
        runtime_(runtime),
        snapshot_(snapshot),
        current_(runtime.control()->load_control()) {}

  AdminAnswer route(std::string_view resource, std::string_view verb) {
    const std::string_view m = req_.method;
    const bool update = verb == "update" && (m == "POST" || m == "PATCH");
    if (resource == "secrets") {
      if (verb == "create" && m == "POST") return create_secret();
      if (verb == "get" && m == "GET") return get_secret();
      if (verb == "list" && m == "GET") return list_secrets();
      if (update) return update_secret();
      if (verb == "delete" && m == "DELETE") return delete_object(mlf::kSecretKind, "secret_id");
    } else if (resource == "model-definitions") {
      if (verb == "create" && m == "POST") return put_model(nullptr);
      if (verb == "get" && m == "GET") return get_model();
      if (verb == "list" && m == "GET") return list_models();
      if (update) return update_model();
      if (verb == "delete" && m == "DELETE")
        return delete_object(mlf::kModelKind, "model_definition_id");
    } else if (resource == "endpoints") {
      if (verb == "create" && m == "POST") return put_endpoint(nullptr);
      if (verb == "get" && m == "GET") return get_endpoint();
      if (verb == "list" && m == "GET") return list_endpoints();
      if (update) return update_endpoint();
      if (verb == "delete" && m == "DELETE")
        return delete_object(mlf::kEndpointKind, "endpoint_id");
      if (verb == "models/attach" && m == "POST") return attach();
      if (verb == "models/detach" && (m == "POST" || m == "DELETE")) return detach();
    } else {
      return missing("No such MLflow gateway resource.");
    }
    const bool known =
        verb == "create" || verb == "get" || verb == "list" || verb == "update" ||
        verb == "delete" ||
        (resource == "endpoints" && (verb == "models/attach" || verb == "models/detach"));
    if (!known) return missing("No such MLflow gateway resource.");
    return mlflow_error(Error::make(ErrorCode::kMethodNotAllowed,
                                    "Method " + std::string(m.substr(0, 16)) +
                                        " is not allowed on " + std::string(req_.path) + "."));
  }

 private:
  // ---- reading ----

  // The body of a write (a DELETE may send its id as a query parameter instead).
  Result<json::object> body(std::initializer_list<std::string_view> known) {
    if (req_.body.size() > kMaxBodyBytes)
      return Error::invalid("The body is larger than " + std::to_string(kMaxBodyBytes) + " bytes.");
    auto b = parse_body(req_.body);
    if (!b) return b.error();
    if (req_.method == "DELETE" && b->empty() && !req_.query.empty()) {
      auto q = query_params(req_.query, known);
      if (!q) return q.error();
      for (auto& [k, v] : *q) (*b)[k] = v;
    } else if (!req_.query.empty()) {
      return Error::invalid("This call takes its parameters in the JSON body.");
    }
    for (const auto& [k, v] : *b) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
        return Error::invalid("Unknown field '" + shown(k) + "'.");
    }
    return b;
  }

  // The caller's object of `kind` with this id (another workspace's does not exist for it).
  const StoredObject* by_id(std::string_view kind, std::string_view id) const {
    for (const auto& o : current_.objects) {
      if (o.kind == kind && o.name == id && manages(req_, o.workspace)) return &o;
    }
    return nullptr;
  }

  // The caller's object of `kind` whose `field` is `value`.
  const StoredObject* by_field(std::string_view kind, std::string_view field,
                               std::string_view value, std::string_view workspace) const {
    for (const auto& o : current_.objects) {
      if (o.kind == kind && o.workspace == workspace && text_of(parse_object(o), field) == value)
        return &o;
    }
    return nullptr;
  }

  std::vector<const StoredObject*> all(std::string_view kind) const {
    std::vector<const StoredObject*> out;
    for (const auto& o : current_.objects) {
      if (o.kind == kind && manages(req_, o.workspace)) out.push_back(&o);
    }
    return out;
  }

  std::string by() const { return req_.actor; }

  // ---- writing ----

  // Checks the config as it would be with `object` put (or, when `remove` names one, without
  // that object) and writes it with its audit record. `shown_before`/`shown_after`: the
  // object as the API shows it (never a secret value).
  std::optional<AdminAnswer> write(const StoredObject* existing, const StoredObject& object,
                                   const json::object& shown_after) {
    config::StoredConfig candidate = current_;
    std::erase_if(candidate.objects,
                  [&](const auto& o) { return o.kind == object.kind && o.name == object.name; });
    candidate.objects.push_back(object);
    // In the store's order (kind, then name), which decides which of two colliding names loads.
    std::sort(candidate.objects.begin(), candidate.objects.end(), [](const auto& a, const auto& b) {
      return a.kind != b.kind ? a.kind < b.kind : a.name < b.name;
    });
    if (auto e = check(candidate)) return *e;
    const std::string before =
        existing != nullptr ? json::serialize(public_json(*existing)) : std::string();
    try {
      runtime_.control()->put_object(
          object,
          audit_of(req_, existing != nullptr ? "update" : "create", object.kind, object.name,
                   object.workspace, before, json::serialize(shown_after)),
          current_.version);
    } catch (const stores::ControlConflict&) {
      return answer(conflict());
    }
    runtime_.reload_control();
    return std::nullopt;
  }

  std::optional<AdminAnswer> check(const config::StoredConfig& candidate) {
    if (auto e = try_load(req_, runtime_, current_, candidate)) return mlflow_error(*e);
    return std::nullopt;
  }

  StoredObject object_of(std::string_view kind, std::string id, const StoredObject* existing,
                         std::string workspace, const json::object& body) const {
    const std::int64_t now = now_ms() / 1000;
    return {std::string(kind),
            std::move(id),
            existing != nullptr ? existing->workspace : std::move(workspace),
            json::serialize(body),
            existing != nullptr ? existing->created_at : now,
            now};
  }

  // The workspace a new object goes to: the caller's own (the admin key: the default one).
  std::string new_workspace() const { return req_.workspace.value_or(""); }

  // The object as the API shows it: its body without the sealed values.
  static json::object public_json(const StoredObject& o) {
    json::object j = parse_object(o);
    j.erase("sealed");
    return j;
  }

  // ---- secrets ----

  AdminAnswer create_secret() {
    auto b = body({"secret_name", "secret_value", "provider", "auth_config", "created_by"});
    if (!b) return mlflow_error(b.error());
    if (snapshot_.secrets_key.empty())
      return invalid(
          "Secrets need auth.secrets_key (or SLUICE_SECRETS_KEY) in the gateway's config.");
    auto name = text_field(*b, "secret_name", 128);
    if (!name) return mlflow_error(name.error());
    if (!*name || !valid_name(**name))
      return invalid("'secret_name' is required: letters, digits, '_', '-' and '.'.");
    if (by_field(mlf::kSecretKind, "secret_name", **name, new_workspace()) != nullptr)
      return exists("A secret named '" + **name + "' already exists.");
    const std::string id = util::new_object_id("s-");
    json::object info{{"secret_id", id}, {"secret_name", **name}};
    for (const char* k : {"provider", "created_by"}) {
      auto v = text_field(*b, k, 128);
      if (!v) return mlflow_error(v.error());
      if (*v) info[k] = **v;
    }
    if (!info.contains("created_by")) info["created_by"] = by();
    info["last_updated_by"] = info["created_by"];
    const auto* value = b->if_contains("secret_value");
    if (value == nullptr) return invalid("'secret_value' is required.");
    if (auto e = seal_into(info, id, *value)) return *e;
    info["auth_config"] = json::object{};
    if (const auto* a = b->if_contains("auth_config"); a != nullptr && !a->is_null()) {
      auto m = auth_config_of(*a);
      if (!m) return mlflow_error(m.error());
      info["auth_config"] = *m;
    }
    const std::int64_t now = now_ms();
    info["created_at"] = now;
    info["last_updated_at"] = now;
    const StoredObject object = object_of(mlf::kSecretKind, id, nullptr, new_workspace(), info);
    const json::object shown_info = public_json(object);
    if (auto a = write(nullptr, object, shown_info)) return *a;
    return json_answer(200, json::object{{"secret", shown_info}});
  }

  // Seals the values of `value` (a map of strings) into `info` ("sealed", "masked_values").
  std::optional<AdminAnswer> seal_into(json::object& info, const std::string& secret_id,
                                       const json::value& value) {
    auto m = string_map(value, "secret_value", kMaxSecretBytes);
    if (!m) return mlflow_error(m.error());
    if (m->empty()) return invalid("'secret_value' must hold at least one value.");
    if (auto why = control_character(*m, "secret_value")) return invalid(*why);
    json::object masks;
    for (const auto& [k, v] : *m) {
      if (v.get_string().empty())
        return invalid("'secret_value." + std::string(k) + "' must not be empty.");
      masks[k] = masked(v.get_string());
    }
    // Every secret is sealed with one key (control_plane.hpp).
    const std::string key_id = util::secrets_key_id(snapshot_.secrets_key);
    if (auto e = admin::rotation_under_way(current_, key_id)) return mlflow_error(*e);
    const util::Sealed sealed =
        util::seal(snapshot_.secrets_key, json::serialize(*m), mlf::secret_aad(secret_id));
    info["masked_values"] = std::move(masks);
    info["sealed"] = json::object{
        {"key_id", key_id}, {"nonce", sealed.nonce}, {"ciphertext", sealed.ciphertext}};
    return std::nullopt;
  }

  AdminAnswer get_secret() {
    auto q = query_params(req_.query, {"secret_id", "secret_name"});
    if (!q) return mlflow_error(q.error());
    const StoredObject* found = nullptr;
    if (auto id = q->find("secret_id"); id != q->end()) {
      found = by_id(mlf::kSecretKind, id->second);
    } else if (auto n = q->find("secret_name"); n != q->end()) {
      found = by_field(mlf::kSecretKind, "secret_name", n->second, new_workspace());
    } else {
      return invalid("Either 'secret_id' or 'secret_name' must be given.");
    }
    if (found == nullptr) return missing("No such secret.");
    return json_answer(200, json::object{{"secret", public_json(*found)}});
  }

  AdminAnswer list_secrets() {
    auto q = query_params(req_.query, {"provider"});
    if (!q) return mlflow_error(q.error());
    json::array out;
    for (const auto* o : all(mlf::kSecretKind)) {
      json::object j = public_json(*o);
      if (auto p = q->find("provider"); p != q->end() && text_of(j, "provider") != p->second)
        continue;
      out.emplace_back(std::move(j));
    }
    return json_answer(200, json::object{{"secrets", std::move(out)}});
  }

  AdminAnswer update_secret() {
    auto b = body({"secret_id", "secret_value", "auth_config", "updated_by"});
    if (!b) return mlflow_error(b.error());
    const StoredObject* existing = by_id(mlf::kSecretKind, text_of(*b, "secret_id"));
    if (existing == nullptr) return missing("No such secret.");
    json::object info = parse_object(*existing);
    // An empty map (or null) leaves the values as they are, as MLflow's proto reads it.
    if (const auto* v = b->if_contains("secret_value");
        v != nullptr && !v->is_null() && !(v->is_object() && v->get_object().empty())) {
      if (snapshot_.secrets_key.empty())
        return invalid(
            "Secrets need auth.secrets_key (or SLUICE_SECRETS_KEY) in the gateway's config.");
      if (auto e = seal_into(info, existing->name, *v)) return *e;
    }
    // Likewise auth_config: an empty map is "no change" (it would otherwise drop an api_base and
    // send the key to the provider's default host).
    if (const auto* a = b->if_contains("auth_config");
        a != nullptr && !a->is_null() && !(a->is_object() && a->get_object().empty())) {
      auto m = auth_config_of(*a);
      if (!m) return mlflow_error(m.error());
      info["auth_config"] = *m;
    }
    auto who = text_field(*b, "updated_by", 128);
    if (!who) return mlflow_error(who.error());
    info["last_updated_by"] = who->value_or(by());
    info["last_updated_at"] = now_ms();
    const StoredObject object = object_of(mlf::kSecretKind, existing->name, existing, "", info);
    const json::object shown_info = public_json(object);
    if (auto a = write(existing, object, shown_info)) return *a;
    return json_answer(200, json::object{{"secret", shown_info}});
  }

  // ---- model definitions ----

  json::object model_json(const StoredObject& o) const {
    json::object j = parse_object(o);
    for (const auto& s : current_.objects) {
      if (s.kind == mlf::kSecretKind && s.name == text_of(j, "secret_id") &&
          s.workspace == o.workspace)
        j["secret_name"] = text_of(parse_object(s), "secret_name");
    }
    return j;
  }

  // Create (existing null) or update: the fields given replace the model definition's.
  AdminAnswer put_model(const StoredObject* existing) {
    auto b = existing != nullptr
                 ? body({"model_definition_id", "name", "secret_id", "model_name", "provider",
                         "updated_by"})
                 : body({"name", "secret_id", "provider", "model_name", "created_by"});
    if (!b) return mlflow_error(b.error());
    json::object def = existing != nullptr ? parse_object(*existing) : json::object{};
    const std::string workspace = existing != nullptr ? existing->workspace : new_workspace();
    for (const char* k : {"name", "secret_id", "provider", "model_name"}) {
      auto v = text_field(*b, k, 256);
      if (!v) return mlflow_error(v.error());
      if (*v) def[k] = **v;
      if (text_of(def, k).empty()) return invalid("'" + std::string(k) + "' is required.");
    }
    const std::string name = text_of(def, "name");
    if (!valid_name(name))
      return invalid("'name' may only contain letters, digits, '_', '-' and '.'.");
    if (const auto* other = by_field(mlf::kModelKind, "name", name, workspace);
        other != nullptr && other != existing)
      return exists("A model definition named '" + name + "' already exists.");
    const StoredObject* secret = by_id(mlf::kSecretKind, text_of(def, "secret_id"));
    if (secret == nullptr || secret->workspace != workspace)
      return missing("No secret with id '" + shown(text_of(def, "secret_id")) + "'.");
    // A provider sluice serves, with what this secret holds.
    if (auto pm = mlf::provider_model(text_of(def, "provider"), secret->name, parse_object(*secret),
                                      text_of(def, "model_name"));
        !pm)
      return invalid(pm.error().message);
    const std::int64_t now = now_ms();
    const std::string id = existing != nullptr ? existing->name : util::new_object_id("d-");
    def["model_definition_id"] = id;
    if (existing == nullptr) {
      def["created_at"] = now;
      auto who = text_field(*b, "created_by", 128);
      if (!who) return mlflow_error(who.error());
      def["created_by"] = who->value_or(by());
      def["last_updated_by"] = def["created_by"];
    } else {
      auto who = text_field(*b, "updated_by", 128);
      if (!who) return mlflow_error(who.error());
      def["last_updated_by"] = who->value_or(by());
    }
    def["last_updated_at"] = now;
    def.erase("secret_name");  // (joined when shown)
    const StoredObject object = object_of(mlf::kModelKind, id, existing, workspace, def);
    if (auto a = write(existing, object, def)) return *a;
    return json_answer(200, json::object{{"model_definition", model_json(object)}});
  }

  AdminAnswer update_model() {
    auto b = parse_body(req_.body);
    if (!b) return mlflow_error(b.error());
    const StoredObject* existing = by_id(mlf::kModelKind, text_of(*b, "model_definition_id"));
    if (existing == nullptr) return missing("No such model definition.");
    return put_model(existing);
  }

  AdminAnswer get_model() {
    auto q = query_params(req_.query, {"model_definition_id"});
    if (!q) return mlflow_error(q.error());
    auto id = q->find("model_definition_id");
    if (id == q->end()) return invalid("'model_definition_id' is required.");
    const StoredObject* found = by_id(mlf::kModelKind, id->second);
    if (found == nullptr) return missing("No such model definition.");
    return json_answer(200, json::object{{"model_definition", model_json(*found)}});
  }

  AdminAnswer list_models() {
    auto q = query_params(req_.query, {"provider", "secret_id"});
    if (!q) return mlflow_error(q.error());
    json::array out;
    for (const auto* o : all(mlf::kModelKind)) {
      json::object j = model_json(*o);
      bool keep = true;
      for (const char* k : {"provider", "secret_id"}) {
        if (auto p = q->find(k); p != q->end() && text_of(j, k) != p->second) keep = false;
      }
      if (keep) out.emplace_back(std::move(j));
    }
    return json_answer(200, json::object{{"model_definitions", std::move(out)}});
  }

  // ---- endpoints ----

  json::object endpoint_json(const StoredObject& o) const {
    json::object j = parse_object(o);
    if (auto* m = j.if_contains("model_mappings"); m != nullptr && m->is_array()) {
      for (auto& item : m->as_array()) {
        if (!item.is_object()) continue;
        const StoredObject* def =
            by_id(mlf::kModelKind, text_of(item.get_object(), "model_definition_id"));
        if (def != nullptr) item.as_object()["model_definition"] = model_json(*def);
      }
    }
    return j;
  }

  // One of model_configs (GatewayEndpointModelConfig) as the mapping the endpoint keeps.
  Result<json::object> mapping_of(const json::value& v, const std::string& endpoint_id,
                                  const std::string& workspace, std::string_view at) const {
    if (!v.is_object()) return Error::invalid("'" + std::string(at) + "' must be an object.");
    const json::object& c = v.get_object();
    for (const auto& [k, x] : c) {
      if (k != "model_definition_id" && k != "linkage_type" && k != "weight" &&
          k != "fallback_order")
        return Error::invalid("Unknown field '" + std::string(at) + "." + shown(k) + "'.");
    }
    const std::string id = text_of(c, "model_definition_id");
    const StoredObject* def = by_id(mlf::kModelKind, id);
    if (def == nullptr || def->workspace != workspace)
      return Error::make(ErrorCode::kNotFound, "No model definition with id '" + shown(id) + "'.");
    json::object m{{"mapping_id", util::new_object_id("m-")},
                   {"endpoint_id", endpoint_id},
                   {"model_definition_id", id}};
    std::string linkage = "PRIMARY";
    if (const auto* l = c.if_contains("linkage_type"); l != nullptr && !l->is_null()) {
      if (!l->is_string() || (l->get_string() != "PRIMARY" && l->get_string() != "FALLBACK"))
        return Error::invalid("'" + std::string(at) +
                              ".linkage_type' must be PRIMARY or FALLBACK.");
      linkage = std::string(l->get_string());
    }
    m["linkage_type"] = linkage;
    double weight = 1;
    if (const auto* w = c.if_contains("weight"); w != nullptr && !w->is_null()) {
      if (!w->is_number() || !(w->to_number<double>() >= 0 && w->to_number<double>() <= 10'000))
        return Error::invalid("'" + std::string(at) + ".weight' must be a number from 0 to 10000.");
      weight = w->to_number<double>();
    }
    m["weight"] = weight;
    if (const auto* f = c.if_contains("fallback_order"); f != nullptr && !f->is_null()) {
      if (!f->is_int64() || f->get_int64() < 0 || f->get_int64() > 1'000'000)
        return Error::invalid("'" + std::string(at) + ".fallback_order' must be a whole number.");
      if (linkage != "FALLBACK")
        return Error::invalid("'" + std::string(at) +
                              ".fallback_order' is for FALLBACK models only.");
      m["fallback_order"] = f->get_int64();
    }
    m["created_at"] = now_ms();
    m["created_by"] = by();
    return m;
  }

  // The endpoint's name must be free of every other endpoint and route (the file's, the
  // store's, other MLflow endpoints', any workspace: the config has one namespace).
  bool name_taken(const std::string& name, const StoredObject* self) const {
    for (const auto& o : current_.objects) {
      if (&o == self) continue;
      if ((o.kind == "endpoint" || o.kind == "route") && o.name == name) return true;
      if (o.kind == mlf::kEndpointKind && text_of(parse_object(o), "name") == name) return true;
    }
    if (self != nullptr && text_of(parse_object(*self), "name") == name) return false;
    return snapshot_.find(name) != nullptr || snapshot_.find_route(name) != nullptr;
  }

  // Create (existing null) or update.
  AdminAnswer put_endpoint(const StoredObject* existing) {
    auto b = existing != nullptr
                 ? body({"endpoint_id", "name", "updated_by", "model_configs", "routing_strategy",
                         "fallback_config", "experiment_id", "usage_tracking"})
                 : body({"name", "model_configs", "created_by", "routing_strategy",
                         "fallback_config", "experiment_id", "usage_tracking"});
    if (!b) return mlflow_error(b.error());
    json::object e = existing != nullptr ? parse_object(*existing) : json::object{};
    const std::string workspace = existing != nullptr ? existing->workspace : new_workspace();
    const std::string id = existing != nullptr ? existing->name : util::new_object_id("e-");
    e["endpoint_id"] = id;
    auto name = text_field(*b, "name", 128);
    if (!name) return mlflow_error(name.error());
    if (*name) {
      if (!valid_name(**name))
        return invalid("'name' may only contain letters, digits, '_', '-' and '.'.");
      if (name_taken(**name, existing))
        return exists("An endpoint or route named '" + **name + "' already exists.");
      e["name"] = **name;
    }
    if (text_of(e, "name").empty()) return invalid("'name' is required.");
    if (const auto* c = b->if_contains("model_configs"); c != nullptr || existing == nullptr) {
      if (c == nullptr || !c->is_array())
        return invalid("'model_configs' must be a list of model configurations.");
      json::array mappings;
      for (std::size_t i = 0; i < c->get_array().size(); ++i) {
        auto m = mapping_of(c->get_array()[i], id, workspace,
                            "model_configs[" + std::to_string(i) + "]");
        if (!m) return mlflow_error(m.error());
        mappings.emplace_back(std::move(*m));
      }
      e["model_mappings"] = std::move(mappings);
    }
    if (const auto* r = b->if_contains("routing_strategy"); r != nullptr && !r->is_null()) {
      if (!r->is_string() || r->get_string() != "REQUEST_BASED_TRAFFIC_SPLIT")
        return invalid("'routing_strategy' must be REQUEST_BASED_TRAFFIC_SPLIT.");
      e["routing_strategy"] = *r;
    }
    if (const auto* f = b->if_contains("fallback_config"); f != nullptr) {
      if (f->is_null()) {
        e.erase("fallback_config");
      } else {
        if (!f->is_object()) return invalid("'fallback_config' must be an object.");
        json::object fc;
        for (const auto& [k, v] : f->get_object()) {
          if (k == "strategy") {
            if (!v.is_string() || v.get_string() != "SEQUENTIAL")
              return invalid("'fallback_config.strategy' must be SEQUENTIAL.");
            fc[k] = v;
          } else if (k == "max_attempts") {
            if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > 100)
              return invalid(
                  "'fallback_config.max_attempts' must be a whole number from 0 to 100.");
            fc[k] = v;
          } else {
            return invalid("Unknown field 'fallback_config." + shown(k) + "'.");
          }
        }
        e["fallback_config"] = std::move(fc);
      }
    }
    auto experiment = text_field(*b, "experiment_id", 128);
    if (!experiment) return mlflow_error(experiment.error());
    if (*experiment) e["experiment_id"] = **experiment;
    if (const auto* u = b->if_contains("usage_tracking"); u != nullptr && !u->is_null()) {
      if (!u->is_bool()) return invalid("'usage_tracking' must be true or false.");
      e["usage_tracking"] = *u;
      if (!u->get_bool()) e.erase("experiment_id");
    }
    if (auto a = check_mappings(e)) return *a;
    const std::int64_t now = now_ms();
    if (existing == nullptr) {
      e["created_at"] = now;
      auto who = text_field(*b, "created_by", 128);
      if (!who) return mlflow_error(who.error());
      e["created_by"] = who->value_or(by());
      e["last_updated_by"] = e["created_by"];
      e["tags"] = json::array{};
    } else {
      auto who = text_field(*b, "updated_by", 128);
      if (!who) return mlflow_error(who.error());
      e["last_updated_by"] = who->value_or(by());
    }
    e["last_updated_at"] = now;
    const StoredObject object = object_of(mlf::kEndpointKind, id, existing, workspace, e);
    if (auto a = write(existing, object, e)) return *a;
    return json_answer(200, json::object{{"endpoint", endpoint_json(object)}});
  }

  // An endpoint serves when it has a PRIMARY model, each model once.
  static std::optional<AdminAnswer> check_mappings(const json::object& e) {
    const auto* m = e.if_contains("model_mappings");
    bool primary = false;
    std::vector<std::string> seen;
    for (const auto& item : m != nullptr && m->is_array() ? m->get_array() : json::array{}) {
      if (!item.is_object()) continue;
      const std::string id = text_of(item.get_object(), "model_definition_id");
      if (std::find(seen.begin(), seen.end(), id) != seen.end())
        return invalid("Model definition '" + shown(id) + "' is attached twice.");
      seen.push_back(id);
      primary = primary || text_of(item.get_object(), "linkage_type") == "PRIMARY";
    }
    if (!primary) return invalid("An endpoint needs at least one PRIMARY model.");
    return std::nullopt;
  }

  AdminAnswer update_endpoint() {
    auto b = parse_body(req_.body);
    if (!b) return mlflow_error(b.error());
    const StoredObject* existing = by_id(mlf::kEndpointKind, text_of(*b, "endpoint_id"));
    if (existing == nullptr) return missing("No such endpoint.");
    return put_endpoint(existing);
  }

  AdminAnswer get_endpoint() {
    auto q = query_params(req_.query, {"endpoint_id", "name"});
    if (!q) return mlflow_error(q.error());
    const StoredObject* found = nullptr;
    if (auto id = q->find("endpoint_id"); id != q->end()) {
      found = by_id(mlf::kEndpointKind, id->second);
    } else if (auto n = q->find("name"); n != q->end()) {
      for (const auto* o : all(mlf::kEndpointKind)) {
        if (text_of(parse_object(*o), "name") == n->second) found = o;
      }
    } else {
      return invalid("Either 'endpoint_id' or 'name' must be given.");
    }
    if (found == nullptr) return missing("No such endpoint.");
    return json_answer(200, json::object{{"endpoint", endpoint_json(*found)}});
  }

  AdminAnswer list_endpoints() {
    auto q = query_params(req_.query, {"provider", "secret_id"});
    if (!q) return mlflow_error(q.error());
    json::array out;
    for (const auto* o : all(mlf::kEndpointKind)) {
      json::object j = endpoint_json(*o);
      bool keep = true;
      for (const char* k : {"provider", "secret_id"}) {
        auto p = q->find(k);
        if (p == q->end()) continue;
        bool any = false;
        const auto* mappings = j.if_contains("model_mappings");
        for (const auto& m :
             mappings != nullptr && mappings->is_array() ? mappings->get_array() : json::array{}) {
          const auto* d = m.is_object() ? m.get_object().if_contains("model_definition") : nullptr;
          if (d != nullptr && d->is_object() && text_of(d->get_object(), k) == p->second)
            any = true;
        }
        keep = keep && any;
      }
      if (keep) out.emplace_back(std::move(j));
    }
    return json_answer(200, json::object{{"endpoints", std::move(out)}});
  }

  AdminAnswer attach() {
    auto b = body({"endpoint_id", "model_config", "created_by"});
    if (!b) return mlflow_error(b.error());
    const StoredObject* existing = by_id(mlf::kEndpointKind, text_of(*b, "endpoint_id"));
    if (existing == nullptr) return missing("No such endpoint.");
    const auto* c = b->if_contains("model_config");
    if (c == nullptr) return invalid("'model_config' is required.");
    auto m = mapping_of(*c, existing->name, existing->workspace, "model_config");
    if (!m) return mlflow_error(m.error());
    if (auto who = text_field(*b, "created_by", 128); !who) {
      return mlflow_error(who.error());
    } else if (*who) {
      (*m)["created_by"] = **who;
    }
    json::object e = parse_object(*existing);
    if (!e["model_mappings"].is_array()) e["model_mappings"] = json::array{};
    e["model_mappings"].as_array().push_back(*m);
    if (auto a = check_mappings(e)) return *a;
    e["last_updated_at"] = now_ms();
    const StoredObject object = object_of(mlf::kEndpointKind, existing->name, existing, "", e);
    if (auto a = write(existing, object, e)) return *a;
    json::object shown_mapping = *m;
    if (const StoredObject* def = by_id(mlf::kModelKind, text_of(*m, "model_definition_id")))
      shown_mapping["model_definition"] = model_json(*def);
    return json_answer(200, json::object{{"mapping", std::move(shown_mapping)}});
  }

  AdminAnswer detach() {
    auto b = body({"endpoint_id", "model_definition_id"});
    if (!b) return mlflow_error(b.error());
    const StoredObject* existing = by_id(mlf::kEndpointKind, text_of(*b, "endpoint_id"));
    if (existing == nullptr) return missing("No such endpoint.");
    json::object e = parse_object(*existing);
    const std::string id = text_of(*b, "model_definition_id");
    auto& mappings = e["model_mappings"];
    if (!mappings.is_array()) mappings = json::array{};
    json::array& list = mappings.as_array();
    const auto kept = std::remove_if(list.begin(), list.end(), [&](const json::value& m) {
      return m.is_object() && text_of(m.get_object(), "model_definition_id") == id;
    });
    const bool removed = kept != list.end();
    list.erase(kept, list.end());
    if (!removed) return missing("Model definition '" + shown(id) + "' is not attached.");
    if (auto a = check_mappings(e)) return *a;
    e["last_updated_at"] = now_ms();
    const StoredObject object = object_of(mlf::kEndpointKind, existing->name, existing, "", e);
    if (auto a = write(existing, object, e)) return *a;
    return json_answer(200, json::object{});
  }

  // ---- deleting ----

  AdminAnswer delete_object(std::string_view kind, std::string_view id_field) {
    auto b = body({id_field});
    if (!b) return mlflow_error(b.error());
    const std::string id = text_of(*b, id_field);
    const StoredObject* existing = by_id(kind, id);
    if (existing == nullptr)
      return missing("No such object with " + std::string(id_field) + " '" + shown(id) + "'.");
    // What still refers to it: a model definition to its secret, an endpoint to its models.
    for (const auto& o : current_.objects) {
      if (o.workspace != existing->workspace) continue;
      if (kind == mlf::kSecretKind && o.kind == mlf::kModelKind &&
          text_of(parse_object(o), "secret_id") == id)
        return invalid("The secret is used by model definition '" +
                       text_of(parse_object(o), "name") + "'.");
      if (kind == mlf::kModelKind && o.kind == mlf::kEndpointKind) {
        const json::object e = parse_object(o);
        const auto* m = e.if_contains("model_mappings");
        for (const auto& item : m != nullptr && m->is_array() ? m->get_array() : json::array{}) {
          if (item.is_object() && text_of(item.get_object(), "model_definition_id") == id)
            return invalid("The model definition is used by endpoint '" + text_of(e, "name") +
                           "'.");
        }
      }
    }
    config::StoredConfig candidate = current_;
    std::erase_if(candidate.objects, [&](const auto& o) { return o.kind == kind && o.name == id; });
    if (auto a = check(candidate)) return *a;
    try {
      runtime_.control()->delete_object(
          kind, id,
          audit_of(req_, "delete", std::string(kind), id, existing->workspace,
                   json::serialize(public_json(*existing)), ""),
          current_.version);
    } catch (const stores::ControlConflict&) {
      return answer(conflict());
    }
    runtime_.reload_control();
    return json_answer(200, json::object{});
  }

  const AdminRequest& req_;
  Runtime& runtime_;
  const config::Snapshot& snapshot_;
  config::StoredConfig current_;
};

}  // namespace

std::string_view mlflow_gateway_rest(std::string_view path) {
  for (std::string_view prefix : {"/api/3.0/mlflow/gateway/", "/ajax-api/3.0/mlflow/gateway/"}) {
    if (path.starts_with(prefix)) return path.substr(prefix.size());
  }
  return {};
}

AdminAnswer mlflow_gateway(const AdminRequest& req, Runtime& runtime,
                           const config::Snapshot& snapshot) {
  std::string_view rest = mlflow_gateway_rest(req.path);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return missing("No such MLflow gateway resource.");
  if (rest.substr(0, slash) == "budgets")
    return mlflow_budgets(req, rest.substr(slash + 1), runtime, snapshot);
  if (auto a = need_control(runtime)) return answer(*a);
  return Gateway(req, runtime, snapshot).route(rest.substr(0, slash), rest.substr(slash + 1));
}

}  // namespace sluice::admin
