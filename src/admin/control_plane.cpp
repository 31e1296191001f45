// The control plane's resources (docs/control-plane.md): endpoints and routes kept in the store
// (/admin/endpoints, POST /admin/routes, /admin/routes/{name}), sealed provider secrets
// (/admin/secrets) and the audit trail (/admin/audit). A change is validated by building the
// whole config from the file and the store as it would be after it (the same loader, the same
// errors), written with its audit record in one transaction, then swapped in at once here and
// within a second on every other replica (the store's control_version).
#include "admin/control_plane.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "config/mlflow_objects.hpp"
#include "config/workspace.hpp"
#include "util/secret_box.hpp"
#include "util/utf8.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

namespace {

constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 256 * 1024;

}  // namespace

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 &&
         name.find_first_not_of('.') != std::string_view::npos &&  // not ".", ".." (path forms)
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

std::string shown(std::string_view s) { return std::string(util::utf8_prefix(s, 64)); }

std::optional<AdminAnswer> need_control(Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  if (runtime.control() == nullptr || !runtime.control_hooks().load)
    return fail(Error::make(ErrorCode::kServiceUnavailable,
                            "The control plane is not available in this process."));
  return std::nullopt;
}

namespace {

// Whether a provider config key (or a header's name under it) holds a credential, which a
// stored definition may only refer to as {"secret": NAME}, never hold: definitions are shown by
// GET, kept in clear and copied into the audit trail.
bool credential_key(std::string k) {
  for (auto& c : k) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') c = '_';
  }
  return k.ends_with("_key") || k == "key" || k.ends_with("apikey") ||
         k.find("secret") != std::string::npos || k.find("token") != std::string::npos ||
         k.find("password") != std::string::npos || k.find("credential") != std::string::npos ||
         k.find("authorization") != std::string::npos || k.find("signature") != std::string::npos;
}

bool secret_reference(const json::value& v) {
  if (!v.is_object()) return false;
  const auto& o = v.get_object();
  return o.size() == 1 && o.contains("secret") && o.at("secret").is_string();
}

std::optional<Error> check_credentials(const json::object& config, const std::string& path) {
  for (const auto& [k, v] : config) {
    const std::string at = path + "." + std::string(k);
    if (secret_reference(v)) continue;
    if (credential_key(std::string(k))) {
      return Error::invalid(at + ": a credential is not kept in a definition; store it with "
                                 "POST /admin/secrets and refer to it as {\"secret\": \"NAME\"}.",
                            at);
    }
    if (v.is_object()) {
      if (auto e = check_credentials(v.get_object(), at)) return e;
    }
  }
  return std::nullopt;
}

// RFC 7396 JSON Merge Patch: null removes, objects merge, anything else replaces.
void merge_patch(json::object& target, const json::object& patch) {
  for (const auto& [k, v] : patch) {
    if (v.is_null()) {
      target.erase(k);
    } else if (v.is_object() && target.contains(k) && target.at(k).is_object()) {
      merge_patch(target.at(k).as_object(), v.as_object());
    } else {
      target[k] = v;
    }
  }
}

// The loader's error for a change, as a 400 naming the field when it is in the changed object
// ("stored endpoint 'x': model.provider: …" → param "model.provider").
Error validation_error(const Error& e, std::string_view kind, std::string_view name) {
  Error out = Error::invalid(e.message);
  const std::string prefix = "stored " + std::string(kind) + " '" + std::string(name) + "': ";
  if (e.message.starts_with(prefix)) {
    const std::string_view rest = std::string_view(e.message).substr(prefix.size());
    const auto colon = rest.find(": ");
    if (colon != std::string_view::npos &&
        rest.substr(0, colon).find(' ') == std::string_view::npos)
      out.param = std::string(rest.substr(0, colon));
  }
  return out;
}

}  // namespace

stores::AuditRecord audit_of(const AdminRequest& req, std::string action, std::string kind,
                             std::string name, std::string workspace, std::string before,
                             std::string after) {
  return {0,
          now_ms(),
          std::string(req.actor),
          std::move(action),
          std::move(kind),
          std::move(name),
          std::move(workspace),
          std::move(before),
          std::move(after)};
}

namespace {

json::object object_json(const config::StoredObject& o) {
  json::object out{{"object", o.kind},           {"name", o.name},
                   {"workspace", o.workspace},   {"source", "store"},
                   {"created_at", o.created_at}, {"updated_at", o.updated_at}};
  auto body = json::parse(o.body);
  out["definition"] = std::move(body);
  return out;
}

json::object endpoint_summary(const config::Endpoint& e, const config::StoredConfig& stored) {
  json::object out{{"object", "endpoint"},
                   {"name", e.name},
                   {"endpoint_type", model::endpoint_type_name(e.operation)},
                   {"provider", e.provider},
                   {"model", e.model_name},
                   {"workspace", e.workspace},
                   {"source", e.stored ? "store" : "file"}};
  for (const auto& o : stored.objects) {
    if (o.kind == "endpoint" && o.name == e.name) {
      out["created_at"] = o.created_at;
      out["updated_at"] = o.updated_at;
      out["definition"] = json::parse(o.body);
    }
  }
  return out;
}

const config::StoredObject* find_object(const config::StoredConfig& s, std::string_view kind,
                                        std::string_view name) {
  for (const auto& o : s.objects) {
    if (o.kind == kind && o.name == name) return &o;
  }
  return nullptr;
}

const config::SealedSecret* find_secret(const config::StoredConfig& s, std::string_view name) {
  for (const auto& v : s.secrets) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

// Whether the file (not the store) defines `name` as an endpoint or a route.
bool file_defines(const config::Snapshot& snapshot, std::string_view name) {
  if (const auto* e = snapshot.find(name)) return !e->stored;
  if (const auto* r = snapshot.find_route(name)) return !r->stored;
  return false;
}

}  // namespace

// What a change would break: the config is built as it is and as it would be with `candidate`
// (leaving out stored objects that do not load, as a serving gateway does). The error: a 503
// when the config does not load as it is (the file is broken: no change can be judged), the
// changed object's own when it is left out (`kind` and `name`; empty for a delete), or the
// objects that loaded before and would be left out.
std::optional<Error> try_load(const AdminRequest& req, Runtime& runtime,
                              const config::StoredConfig& current, config::StoredConfig candidate,
                              std::string_view kind, std::string_view name) {
  config::StoredConfig now = current;
  now.skip_broken = now.dry_run = true;
  auto before = runtime.control_hooks().load(now);
  if (!before)
    return Error::make(ErrorCode::kServiceUnavailable,
                       "The gateway's config does not load as it is, so no change can be "
                       "checked: " +
                           before.error().message);
  candidate.skip_broken = candidate.dry_run = true;
  auto after = runtime.control_hooks().load(candidate);
  if (!after) return after.error();
  if (!name.empty()) {
    const std::string prefix = "stored " + std::string(kind) + " '" + std::string(name) + "': ";
    for (const auto& w : (*after)->warnings) {
      if (w.starts_with(prefix)) return Error::invalid(w);
    }
    const bool present =
        kind == "route" ? (*after)->find_route(name) != nullptr : (*after)->find(name) != nullptr;
    if (!present) return Error::invalid(prefix + "it does not load");
  }
  std::string broken;
  std::size_t unseen = 0;  // broken objects of workspaces the caller does not see: counted only
  // (with the endpoints and routes MLflow's endpoints are served as, in their workspaces)
  const std::vector<config::StoredObject> generated = config::mlflow::expand(candidate).objects;
  for (const auto& w : (*after)->warnings) {
    const auto& known = (*before)->warnings;
    if (std::find(known.begin(), known.end(), w) != known.end()) continue;
    bool seen = true;
    const std::vector<config::StoredObject>* lists[] = {&candidate.objects, &generated};
    for (const auto* list : lists) {
      for (const auto& o : *list) {
        if (w.starts_with("stored " + o.kind + " '" + o.name + "': ") && !sees(req, o.workspace))
          seen = false;
      }
    }
    if (seen) {
      broken += (broken.empty() ? "" : "; ") + w;
    } else {
      ++unseen;
    }
  }
  if (unseen > 0)
    broken += (broken.empty() ? "" : "; and ") + std::to_string(unseen) +
              " object(s) of other workspaces";
  if (!broken.empty()) return Error::invalid("it would break " + broken);
  return std::nullopt;
}

std::optional<Error> rotation_under_way(const config::StoredConfig& stored,
                                        std::string_view key_id) {
  std::string other;
  for (const auto& s : stored.secrets) {
    if (s.key_id != key_id) other = s.key_id;
  }
  for (const auto& o : stored.objects) {
    if (o.kind != config::mlflow::kSecretKind) continue;
    if (std::string id = config::mlflow::sealed_key_id(o); id != key_id) other = id;
  }
  if (other.empty()) return std::nullopt;
  return Error::make(ErrorCode::kConflict,
                     "The stored secrets are sealed with key " + shown(other) +
                         " and this gateway has key " + std::string(key_id) +
                         " (a key rotation is under way): give it the new auth.secrets_key first.");
}

// The store's write refused because another writer got there first: a 409 to retry.
AdminAnswer conflict() {
  return fail(Error::make(ErrorCode::kConflict,
                          "The control plane changed while this change was checked (another "
                          "admin call or replica); read it again and retry."));
}

namespace {

// The endpoints and routes whose definitions refer to secret `name`.
void collect_users(const json::value& v, std::string_view name, bool& found) {
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.size() == 1 && o.contains("secret") && o.at("secret").is_string() &&
        o.at("secret").as_string() == name)
      found = true;
    for (const auto& [k, child] : o) collect_users(child, name, found);
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) collect_users(child, name, found);
  }
}

json::object secret_json(const AdminRequest& req, const config::SealedSecret& s,
                         const config::StoredConfig& stored) {
  json::array used_by;
  for (const auto& o : stored.objects) {
    if (!sees(req, o.workspace)) continue;  // (another workspace's names are not shown)
    if (config::mlflow::is_mlflow_kind(o.kind)) continue;  // (they hold their own values)
    bool found = false;
    collect_users(json::parse(o.body), s.name, found);
    if (found) used_by.emplace_back(json::object{{"kind", o.kind}, {"name", o.name}});
  }
  return {{"object", "secret"},           {"name", s.name},
          {"workspace", s.workspace},     {"key_id", s.key_id},
          {"created_at", s.created_at},   {"updated_at", s.updated_at},
          {"used_by", std::move(used_by)}};
}

json::object secret_audit(const config::SealedSecret& s) {
  return {{"name", s.name}, {"workspace", s.workspace}, {"key_id", s.key_id}};
}

std::optional<Error> unknown_field(const json::object& body,
                                   std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : body) {
    if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
      return Error::invalid("Unknown field '" + shown(k) + "'.", std::string(k));
  }
  return std::nullopt;
}

}  // namespace

AdminAnswer list_endpoints(const AdminRequest& req, Runtime& runtime,
                           const config::Snapshot& snapshot) {
  const auto stored = runtime.stored_config();
  json::array data;
  for (const auto& e : snapshot.endpoints) {
    if (sees(req, e.workspace)) data.emplace_back(endpoint_summary(e, *stored));
  }
  // Stored endpoints the running config left out (they did not load): shown with why, so they
  // can be fixed or deleted.
  for (const auto& o : stored->objects) {
    if (o.kind != "endpoint" || !sees(req, o.workspace)) continue;
    const auto* e = snapshot.find(o.name);
    if (e != nullptr && e->stored) continue;
    json::object entry = object_json(o);
    entry["loaded"] = false;
    const std::string prefix = "stored endpoint '" + o.name + "': ";
    for (const auto& w : snapshot.warnings) {
      if (w.starts_with(prefix)) entry["error"] = w;
    }
    data.emplace_back(std::move(entry));
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

AdminAnswer config_object(const AdminRequest& req, std::string_view kind, std::string_view name,
                          Runtime& runtime, const config::Snapshot& snapshot) {
  if (auto a = need_control(runtime)) return *a;
  const std::string k(kind);
  const auto current = std::make_shared<config::StoredConfig>(runtime.control()->load_control());
  const config::StoredObject* existing = name.empty() ? nullptr : find_object(*current, kind, name);
  if (!name.empty()) {
    // What a named object takes; any other method is a 405 whatever the name.
    if (req.method != "GET" && req.method != "PATCH" && req.method != "DELETE")
      return method_not_allowed(req.method, req.path);
    // Another workspace's objects do not exist for a workspace admin: any endpoint or route of
    // this name (either kind, stored or the file's) it does not see answers as a name nobody
    // uses, in the words each method uses for one.
    const config::Endpoint* file_endpoint = snapshot.find(name);
    const config::Route* file_route = snapshot.find_route(name);
    if (file_route != nullptr && file_route->implicit) file_route = nullptr;
    bool hidden = false;
    for (const auto& o : current->objects) {
      if (o.name == name && !sees(req, o.workspace)) hidden = true;
    }
    if (file_endpoint != nullptr && !sees(req, file_endpoint->workspace)) hidden = true;
    if (file_route != nullptr && !sees(req, file_route->workspace)) hidden = true;
    if (hidden)
      return not_found("No " + k + " named '" + shown(name) + "'" +
                       (req.method == "GET" ? "." : " in the store."));
    // A shared one is seen, not changed (the file's or the store's).
    const bool shared =
        (existing != nullptr && existing->workspace == "*") ||
        (existing == nullptr && file_endpoint != nullptr && file_endpoint->workspace == "*") ||
        (existing == nullptr && file_route != nullptr && file_route->workspace == "*");
    if (req.method != "GET" && req.workspace && shared)
      return fail(admin_key_only("Changing a shared (\"*\") " + k));
  }
  if (req.method == "GET") {
    if (existing != nullptr) return json_answer(200, object_json(*existing));
    if (kind == "endpoint") {
      if (const auto* e = snapshot.find(name))
        return json_answer(200, endpoint_summary(*e, *current));
    } else if (const auto* r = snapshot.find_route(name)) {
      return json_answer(200, json::object{{"object", "route"},
                                           {"name", r->name},
                                           {"workspace", r->workspace},
                                           {"source", r->stored ? "store" : "file"}});
    }
    return not_found("No " + k + " named '" + shown(name) + "'.");
  }
  // A stored object may be deleted even when the file now defines its name (it is then left
  // out of the config, and this is how it goes).
  if (!name.empty() && file_defines(snapshot, name) &&
      !(req.method == "DELETE" && existing != nullptr))
    return fail(Error::make(ErrorCode::kConflict, "'" + shown(name) +
                                                      "' is defined in the config file; change "
                                                      "it there."));
  if (req.method == "DELETE") {
    if (existing == nullptr)
      return not_found("No " + k + " named '" + shown(name) + "' in the store.");
    config::StoredConfig candidate = *current;
    std::erase_if(candidate.objects,
                  [&](const auto& o) { return o.kind == kind && o.name == name; });
    if (auto e = try_load(req, runtime, *current, candidate)) {
      if (e->code == ErrorCode::kServiceUnavailable) return fail(*e);
      return fail(Error::make(ErrorCode::kConflict,
                              "'" + shown(name) + "' cannot be deleted: " + e->message));
    }
    try {
      runtime.control()->delete_object(
          kind, name,
          audit_of(req, "delete", k, std::string(name), existing->workspace, existing->body, ""),
          current->version);
    } catch (const stores::ControlConflict&) {
      return conflict();
    }
    runtime.reload_control();
    return json_answer(200, json::object{{"object", k}, {"name", name}, {"deleted", true}});
  }
  if (req.method != "POST" && req.method != "PATCH")
    return method_not_allowed(req.method, req.path);
  if (req.method == "POST" && !name.empty()) return method_not_allowed(req.method, req.path);
  if (req.method == "PATCH" && existing == nullptr)
    return not_found("No " + k + " named '" + shown(name) + "' in the store.");
  if (req.body.size() > kMaxBodyBytes)
    return fail(Error::invalid("The definition is larger than " + std::to_string(kMaxBodyBytes) +
                               " bytes."));
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  // `workspace` belongs to the object, not to its definition.
  std::string workspace = existing ? existing->workspace : "";
  std::optional<std::string> given;
  if (auto w = body->find("workspace"); w != body->end()) {
    if (w->value().is_null()) w->value() = "";  // (merge-patch null: back to the default)
    if (!w->value().is_string() ||
        (!w->value().as_string().empty() && !config::is_workspace_name(w->value().as_string())))
      return fail(Error::invalid("workspace must be a name (letters, digits, '_', '-', '.').",
                                 "workspace"));
    given = std::string(w->value().as_string());
    body->erase(w);
  }
  if (auto e = place_in_workspace(req, given, workspace)) return fail(*e);
  json::object definition;
  if (req.method == "PATCH") {
    definition = json::parse(existing->body).as_object();
    if (auto n = body->find("name");
        n != body->end() && !(n->value().is_string() && n->value().as_string() == name))
      return fail(
          Error::invalid("name cannot be changed; create the new name and delete this.", "name"));
    merge_patch(definition, *body);
  } else {
    definition = std::move(*body);
  }
  const auto n = definition.find("name");
  if (n == definition.end() || !n->value().is_string())
    return fail(Error::invalid("Missing required field 'name'.", "name"));
  const std::string new_name(n->value().as_string());
  if (!valid_name(new_name))
    return fail(Error::invalid(
        "name '" + shown(new_name) + "' may only contain letters, digits, '_', '-' and '.'.",
        "name"));
  if (req.method == "POST") {
    if (file_defines(snapshot, new_name))
      return fail(
          Error::make(ErrorCode::kConflict, "'" + new_name + "' is defined in the config file."));
    if (find_object(*current, "endpoint", new_name) || find_object(*current, "route", new_name))
      return fail(Error::make(ErrorCode::kConflict,
                              "An endpoint or route named '" + new_name + "' already exists."));
  }
  if (auto m = definition.find("model"); m != definition.end() && m->value().is_object()) {
    if (auto c = m->value().as_object().find("config");
        c != m->value().as_object().end() && c->value().is_object()) {
      if (auto e = check_credentials(c->value().as_object(), "model.config")) return fail(*e);
    }
  }
  const std::int64_t now = now_ms() / 1000;
  config::StoredObject object{
      k,  new_name, workspace, json::serialize(definition), existing ? existing->created_at : now,
      now};
  config::StoredConfig candidate = *current;
  std::erase_if(candidate.objects,
                [&](const auto& o) { return o.kind == kind && o.name == new_name; });
  candidate.objects.push_back(object);
  std::sort(candidate.objects.begin(), candidate.objects.end(), [](const auto& a, const auto& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.name < b.name;
  });
  if (auto e = try_load(req, runtime, *current, candidate, kind, new_name)) {
    if (e->code == ErrorCode::kServiceUnavailable) return fail(*e);
    return fail(validation_error(*e, kind, new_name));
  }
  try {
    runtime.control()->put_object(object,
                                  audit_of(req, existing ? "update" : "create", k, new_name,
                                           workspace, existing ? existing->body : "", object.body),
                                  current->version);
  } catch (const stores::ControlConflict&) {
    return conflict();
  }
  runtime.reload_control();
  return json_answer(existing ? 200 : 201, object_json(object));
}

AdminAnswer secrets(const AdminRequest& req, std::string_view name, Runtime& runtime,
                    const config::Snapshot& snapshot) {
  if (auto a = need_control(runtime)) return *a;
  const config::StoredConfig current = runtime.control()->load_control();
  if (name.empty() && req.method == "GET") {
    json::array data;
    for (const auto& s : current.secrets) {
      if (manages(req, s.workspace)) data.emplace_back(secret_json(req, s, current));
    }
    return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
  }
  const config::SealedSecret* existing = name.empty() ? nullptr : find_secret(current, name);
  if (existing != nullptr && !manages(req, existing->workspace)) existing = nullptr;
  if (!name.empty() && existing == nullptr)
    return not_found("No secret named '" + shown(name) + "'.");
  if (req.method == "GET" && existing)
    return json_answer(200, secret_json(req, *existing, current));
  if (req.method == "DELETE" && existing) {
    config::StoredConfig candidate = current;
    std::erase_if(candidate.secrets, [&](const auto& s) { return s.name == name; });
    if (auto e = try_load(req, runtime, current, candidate)) {
      if (e->code == ErrorCode::kServiceUnavailable) return fail(*e);
      return fail(Error::make(ErrorCode::kConflict,
                              "Secret '" + shown(name) + "' is in use: " + e->message));
    }
    try {
      runtime.control()->delete_secret(
          name,
          audit_of(req, "delete", "secret", std::string(name), existing->workspace,
                   json::serialize(secret_audit(*existing)), ""),
          current.version);
    } catch (const stores::ControlConflict&) {
      return conflict();
    }
    runtime.reload_control();
    return json_answer(200, json::object{{"object", "secret"}, {"name", name}, {"deleted", true}});
  }
  const bool create = req.method == "POST" && name.empty();
  const bool update = req.method == "PATCH" && existing;
  if (!create && !update) return method_not_allowed(req.method, req.path);
  if (snapshot.secrets_key.empty())
    return fail(Error::invalid(
        "Secrets need auth.secrets_key (or SLUICE_SECRETS_KEY) in the gateway's config."));
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  if (auto e = unknown_field(
          *body, create ? std::initializer_list<std::string_view>{"name", "value", "workspace"}
                 : !req.workspace ? std::initializer_list<std::string_view>{"value", "workspace"}
                                  : std::initializer_list<std::string_view>{"value"}))
    return fail(*e);
  config::SealedSecret secret;
  if (create) {
    const auto n = body->find("name");
    if (n == body->end() || !n->value().is_string() || !valid_name(n->value().as_string()))
      return fail(Error::invalid("name must be letters, digits, '_', '-' and '.'.", "name"));
    secret.name = std::string(n->value().as_string());
    if (find_secret(current, secret.name))
      return fail(Error::make(ErrorCode::kConflict,
                              "A secret named '" + secret.name + "' already exists."));
    std::optional<std::string> given;
    if (auto w = body->find("workspace"); w != body->end()) {
      if (!w->value().is_string() ||
          (!w->value().as_string().empty() && !config::is_workspace_name(w->value().as_string())))
        return fail(Error::invalid("workspace must be a name.", "workspace"));
      given = std::string(w->value().as_string());
    }
    if (auto e = place_in_workspace(req, given, secret.workspace)) return fail(*e);
    if (auto e = check_declared(snapshot, secret.workspace)) return fail(*e);
    secret.created_at = now_ms() / 1000;
  } else {
    secret = *existing;
    // The admin key moves a secret to another workspace (its sealed value stays as it is).
    if (auto w = body->find("workspace"); w != body->end()) {
      if (!w->value().is_string() ||
          (!w->value().as_string().empty() && !config::is_workspace_name(w->value().as_string())))
        return fail(Error::invalid("workspace must be a name.", "workspace"));
      secret.workspace = std::string(w->value().as_string());
      if (auto e = check_declared(snapshot, secret.workspace)) return fail(*e);
    }
  }
  const auto v = body->find("value");
  const bool move_only = update && v == body->end() && body->contains("workspace");
  if (!move_only && (v == body->end() || !v->value().is_string() || v->value().as_string().empty()))
    return fail(Error::invalid("value must be a non-empty string.", "value"));
  if (!move_only) {
    if (v->value().as_string().size() > kMaxSecretBytes)
      return fail(Error::invalid("value is longer than 64 KiB.", "value"));
    if (std::string_view(v->value().as_string()).find('\0') != std::string_view::npos)
      return fail(Error::invalid("value must not contain NUL characters.", "value"));
    // Every secret is sealed with one key: while the store holds secrets sealed with another (a
    // rotation this gateway has not been given yet), sealing with this one would leave a secret
    // that the other key cannot open.
    const std::string key_id = util::secrets_key_id(snapshot.secrets_key);
    if (auto e = rotation_under_way(current, key_id)) return fail(*e);
    const util::Sealed sealed =
        util::seal(snapshot.secrets_key, v->value().as_string(), secret.name);
    secret.key_id = key_id;
    secret.nonce = sealed.nonce;
    secret.ciphertext = sealed.ciphertext;
  }
  secret.updated_at = now_ms() / 1000;
  if (update) {
    config::StoredConfig candidate = current;
    for (auto& s : candidate.secrets) {
      if (s.name == secret.name) s = secret;
    }
    if (auto e = try_load(req, runtime, current, candidate)) {
      if (e->code == ErrorCode::kServiceUnavailable) return fail(*e);
      return fail(Error::invalid(e->message, move_only ? "workspace" : "value"));
    }
  }
  const std::string before = update ? json::serialize(secret_audit(*existing)) : "";
  try {
    runtime.control()->put_secret(
        secret,
        audit_of(req, create ? "create" : "update", "secret", secret.name, secret.workspace, before,
                 json::serialize(secret_audit(secret))),
        current.version);
  } catch (const stores::ControlConflict&) {
    return conflict();
  }
  runtime.reload_control();
  config::StoredConfig after = current;
  return json_answer(create ? 201 : 200, secret_json(req, secret, after));
}

AdminAnswer audit(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_control(runtime)) return *a;
  std::string since, until, kind, name, limit;
  std::vector<std::pair<stores::SpendBy, std::string>> where;
  json::object filters;
  if (auto bad =
          read_ledger_query(req.query,
                            {{"since", &since},
                             {"until", &until},
                             {"kind", &kind},
                             {"name", &name},
                             {"limit", &limit}},
                            where, filters, "/admin/audit", "since, until, kind, name, limit"))
    return *bad;
  if (!where.empty())
    return fail(Error::invalid("/admin/audit filters by kind and name.",
                               std::string(stores::ledger_column(where.front().first))));
  stores::AuditQuery q;
  if (auto bad = read_time_window(since, until, "30d", q.since_ms, q.until_ms)) return *bad;
  if (!kind.empty() && kind != "endpoint" && kind != "route" && kind != "secret" && kind != "key" &&
      kind != "budget" && kind != config::mlflow::kSecretKind &&
      kind != config::mlflow::kModelKind && kind != config::mlflow::kEndpointKind)
    return fail(Error::invalid(
        "'kind' must be endpoint, route, secret, key, budget, mlflow_secret, mlflow_model or "
        "mlflow_endpoint.",
        "kind"));
  q.kind = kind;
  q.name = name;
  q.workspace = req.workspace;
  if (!limit.empty()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc{} || end != limit.data() + limit.size() || n == 0 || n > 1000)
      return fail(Error::invalid("'limit' must be a whole number from 1 to 1000.", "limit"));
    q.limit = n;
  }
  json::array data;
  for (const auto& r : runtime.control()->audit(q)) {
    auto parsed = [](const std::string& s) -> json::value {
      if (s.empty()) return nullptr;
      boost::system::error_code ec;
      json::value v = json::parse(s, ec);
      return ec ? json::value(s) : v;
    };
    data.emplace_back(json::object{{"id", r.id},
                                   {"ts_ms", r.ts_ms},
                                   {"actor", r.actor},
                                   {"action", r.action},
                                   {"kind", r.kind},
                                   {"name", r.name},
                                   {"workspace", r.workspace},
                                   {"before", parsed(r.before)},
                                   {"after", parsed(r.after)}});
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

void record_change(const AdminRequest& req, Runtime& runtime, std::string action, std::string kind,
                   std::string name, std::string workspace, const json::value& before,
                   const json::value& after) {
  if (runtime.control() == nullptr) return;
  auto text = [](const json::value& v) { return v.is_null() ? std::string() : json::serialize(v); };
  runtime.control()->append_audit(audit_of(req, std::move(action), std::move(kind), std::move(name),
                                           std::move(workspace), text(before), text(after)));
}

}  // namespace sluice::admin
