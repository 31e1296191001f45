// /admin/keys: the gateway keys of the config file (read-only here) and of the store.
#include <boost/json.hpp>

#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "stores/key_json.hpp"
#include "util/key_secret.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;
using stores::apply_key_fields;
using stores::key_to_json;
using util::hash_secret;
using util::new_key_id;
using util::new_secret;
using util::secret_prefix;

namespace {

json::object with_secret(const config::KeySpec& key, const std::string& secret) {
  json::object o = key_to_json(key);
  o["key"] = secret;  // shown this once; only its hash is kept
  return o;
}

}  // namespace

// Each guardrail a key names is one the config defines (a typo would otherwise leave the key
// without the guardrail it was meant to get).
std::optional<Error> check_guardrails(const config::KeySpec& key,
                                      const config::Snapshot& snapshot) {
  for (const auto& name : key.guardrails) {
    if (snapshot.guardrails.find(name) == nullptr) {
      std::string shown = name.substr(0, 64);
      return Error::invalid(
          "guardrails: no guardrail named '" + shown + "' is defined in the config (guardrails:).",
          "guardrails");
    }
  }
  return std::nullopt;
}

AdminAnswer list_keys(const AdminRequest& req, Runtime& runtime, const config::Snapshot& snapshot) {
  json::array data;
  for (const auto& k : all_keys(runtime, snapshot)) {
    if (manages(req, k->workspace)) data.emplace_back(stores::key_to_json(*k));
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

AdminAnswer create_key(const AdminRequest& req, Runtime& runtime,
                       const config::Snapshot& snapshot) {
  if (auto a = need_store(runtime); a.error) return a;
  if (snapshot.governance.pepper.empty())
    return fail(Error::invalid("Keys need auth.pepper in the config."));
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  config::KeySpec key;
  key.id = new_key_id();
  if (auto e = apply_key_fields(*body, key)) return fail(*e);
  std::optional<std::string> given;
  if (body->contains("workspace")) given = key.workspace;
  if (auto e = place_in_workspace(req, given, key.workspace)) return fail(*e);
  if (auto e = check_declared(snapshot, key.workspace)) return fail(*e);
  if (auto e = check_admin_role(key)) return fail(*e);
  if (key.budget) {
    if (auto e = check_budget_fallback(*key.budget, snapshot, "budget.fallback", &req))
      return fail(*e);
  }
  if (auto e = check_guardrails(key, snapshot)) return fail(*e);
  const std::string secret = new_secret();
  key.hash = hash_secret(snapshot.governance.pepper, secret);
  key.prefix = secret_prefix(secret);
  key.created_at = now_ms() / 1000;
  runtime.store()->insert_key(key);
  runtime.reload();
  record_change(req, runtime, "create", "key", key.id, key.workspace, nullptr, key_to_json(key));
  return json_answer(201, with_secret(key, secret));
}

AdminAnswer one_key(const AdminRequest& req, std::string_view id, std::string_view action,
                    Runtime& runtime, const config::Snapshot& snapshot) {
  const std::string unknown = "No key with id '" + std::string(id) + "'.";
  if (const auto* declared = config_key(snapshot, id)) {
    if (!manages(req, declared->workspace)) return not_found(unknown);
    if (req.method == "GET" && action.empty()) return json_answer(200, key_to_json(*declared));
    return fail(Error::make(
        ErrorCode::kConflict,
        "Key '" + std::string(id) + "' is declared in the config file; change it there."));
  }
  if (auto a = need_store(runtime); a.error) return a;
  auto found = runtime.store_key(id);
  if (found == nullptr || !manages(req, found->workspace)) return not_found(unknown);
  if (action == "rotate") {
    if (req.method != "POST") return method_not_allowed(req.method, req.path);
    config::KeySpec key = *found;
    const std::string secret = new_secret();
    key.hash = hash_secret(snapshot.governance.pepper, secret);
    key.prefix = secret_prefix(secret);
    runtime.store()->update_key(key);
    runtime.reload();
    record_change(req, runtime, "rotate", "key", key.id, key.workspace, key_to_json(*found),
                  key_to_json(key));
    return json_answer(200, with_secret(key, secret));
  }
  if (!action.empty()) return not_found("Not Found");
  if (req.method == "GET") return json_answer(200, key_to_json(*found));
  if (req.method == "PATCH") {
    auto body = parse_body(req.body);
    if (!body) return fail(body.error());
    config::KeySpec key = *found;
    if (auto e = apply_key_fields(*body, key)) return fail(*e);
    if (!manages(req, key.workspace)) {
      Error e = admin_key_only("Moving a key to another workspace");
      e.param = "workspace";
      return fail(e);
    }
    if (auto e = check_declared(snapshot, key.workspace)) return fail(*e);
    if (auto e = check_admin_role(key)) return fail(*e);
    if (key.budget) {
      if (auto e = check_budget_fallback(*key.budget, snapshot, "budget.fallback", &req))
        return fail(*e);
    }
    if (auto e = check_guardrails(key, snapshot)) return fail(*e);
    runtime.store()->update_key(key);
    runtime.reload();
    record_change(req, runtime, "update", "key", key.id, key.workspace, key_to_json(*found),
                  key_to_json(key));
    return json_answer(200, key_to_json(key));
  }
  if (req.method == "DELETE") {
    runtime.store()->delete_key(id);
    runtime.reload();
    record_change(req, runtime, "delete", "key", std::string(id), found->workspace,
                  key_to_json(*found), nullptr);
    return json_answer(200, json::object{{"id", id}, {"object", "key"}, {"deleted", true}});
  }
  return method_not_allowed(req.method, req.path);
}

}  // namespace sluice::admin
