#include "cli/control_plane.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/governance.hpp"
#include "config/loader.hpp"
#include "config/mlflow_objects.hpp"
#include "governance/runtime.hpp"
#include "pipeline/paths.hpp"
#include "util/secret_box.hpp"
#include "util/unix_time.hpp"

namespace sluice::cli {

namespace json = boost::json;

namespace {

std::string collection(const ControlOptions& o) {
  return o.kind == "route" ? "/admin/routes" : "/admin/endpoints";
}
std::string one(const ControlOptions& o) {
  std::string path = collection(o);
  path += '/';
  path += o.name;
  return path;
}

// The definition file's text ("-": standard input); nullopt (with the reason printed) if unread.
std::optional<std::string> read_definition(const std::string& file) {
  if (file == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::error_code ec;
  std::ifstream in;
  // (A directory read through a stream throws from inside libstdc++: checked first.)
  if (std::filesystem::is_regular_file(file, ec)) in.open(file, std::ios::binary);
  if (!in) {
    std::cerr << "sluice: cannot read the file " << file << "\n";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// All of standard input less one line end (a value may span lines: a PEM key, a service
// account's JSON).
std::string read_value() {
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (all.ends_with("\r\n"))
    all.resize(all.size() - 2);
  else if (all.ends_with('\n'))
    all.pop_back();
  return all;
}

}  // namespace

int objects_list(const ControlOptions& o) {
  if (o.kind == "route") return run_admin(o.config, "GET", "/admin/routes", "", "");
  return run_admin(o.config, "GET", "/admin/endpoints", "", "");
}

int objects_get(const ControlOptions& o) { return run_admin(o.config, "GET", one(o), "", ""); }

int objects_create(const ControlOptions& o) {
  auto body = read_definition(o.file);
  if (!body) return 1;
  return run_admin(o.config, "POST", collection(o), "", *body);
}

int objects_update(const ControlOptions& o) {
  auto body = read_definition(o.file);
  if (!body) return 1;
  return run_admin(o.config, "PATCH", one(o), "", *body);
}

int objects_delete(const ControlOptions& o) {
  return run_admin(o.config, "DELETE", one(o), "", "");
}

int secrets_list(const ControlOptions& o) {
  return run_admin(o.config, "GET", "/admin/secrets", "", "");
}

int secrets_create(const ControlOptions& o) {
  const std::string value = read_value();
  json::object body{{"name", o.name}, {"value", value}};
  if (o.workspace) body["workspace"] = *o.workspace;
  return run_admin(o.config, "POST", "/admin/secrets", "", json::serialize(body));
}

int secrets_update(const ControlOptions& o) {
  const std::string value = read_value();
  return run_admin(o.config, "PATCH", std::string("/admin/secrets/").append(o.name), "",
                   json::serialize(json::object{{"value", value}}));
}

int secrets_delete(const ControlOptions& o) {
  return run_admin(o.config, "DELETE", std::string("/admin/secrets/").append(o.name), "", "");
}

int audit_list(const ControlOptions& o) {
  std::string query = "since=";
  query += o.since;
  return run_admin(o.config, "GET", "/admin/audit", query, "");
}

int secrets_rotate_key(const ControlOptions& o) {
  config::StoredConfig placeholders;
  placeholders.governance_only = true;
  auto boot =
      config::load_file(o.config, config::process_env, pipeline::is_reserved_path, &placeholders);
  if (!boot) {
    std::cerr << "sluice: " << boot.error().message << "\n";
    return 1;
  }
  const std::string& old_key = (*boot)->secrets_key;
  if (old_key.empty()) {
    std::cerr << "sluice: the config has no auth.secrets_key (or SLUICE_SECRETS_KEY) to open the "
                 "secrets with\n";
    return 1;
  }
  auto new_key = util::parse_secrets_key(read_value());
  if (!new_key) {
    std::cerr << "sluice: the new key (standard input) " << new_key.error().message << "\n";
    return 1;
  }
  try {
    governance::Runtime runtime((*boot)->governance);
    if (runtime.control() == nullptr) {
      std::cerr << "sluice: the config names no store (stores:)\n";
      return 1;
    }
    const config::StoredConfig stored = runtime.control()->load_control();
    const std::string old_id = util::secrets_key_id(old_key);
    const std::string new_id = util::secrets_key_id(*new_key);
    if (new_id == old_id) {
      std::cerr << "sluice: the new key is the key in use (" << old_id << ")\n";
      return 1;
    }
    std::vector<config::SealedSecret> resealed;
    const std::int64_t now = util::unix_now_ms() / 1000;
    for (const auto& s : stored.secrets) {
      if (s.key_id == new_id) {  // sealed with the new key already (a rotation run twice)
        resealed.push_back(s);
        continue;
      }
      auto value =
          s.key_id == old_id ? util::open(old_key, {s.nonce, s.ciphertext}, s.name) : std::nullopt;
      if (!value) {
        std::cerr << "sluice: secret '" << s.name << "' (key " << s.key_id
                  << ") does not open with auth.secrets_key (" << old_id
                  << "); nothing was changed\n";
        return 1;
      }
      config::SealedSecret next = s;
      const util::Sealed sealed = util::seal(*new_key, *value, s.name);
      next.key_id = new_id;
      next.nonce = sealed.nonce;
      next.ciphertext = sealed.ciphertext;
      next.updated_at = now;
      resealed.push_back(std::move(next));
    }
    // MLflow's secrets hold their sealed values in their own rows.
    std::vector<config::StoredObject> resealed_objects;
    for (const auto& o : stored.objects) {
      if (o.kind != config::mlflow::kSecretKind) continue;
      boost::system::error_code ec;
      json::value body = json::parse(o.body, ec);
      json::object* sealed = nullptr;
      if (!ec && body.is_object()) {
        if (auto* s = body.as_object().if_contains("sealed"); s != nullptr && s->is_object())
          sealed = &s->as_object();
      }
      auto text = [&](std::string_view k) {
        const auto* v = sealed != nullptr ? sealed->if_contains(k) : nullptr;
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      if (sealed != nullptr && text("key_id") == new_id) continue;  // (a rotation run twice)
      const std::string aad = config::mlflow::secret_aad(o.name);
      auto value = sealed != nullptr && text("key_id") == old_id
                       ? util::open(old_key, {text("nonce"), text("ciphertext")}, aad)
                       : std::nullopt;
      if (!value) {
        std::cerr << "sluice: MLflow secret '" << o.name << "' does not open with "
                  << "auth.secrets_key (" << old_id << "); nothing was changed\n";
        return 1;
      }
      const util::Sealed next = util::seal(*new_key, *value, aad);
      (*sealed)["key_id"] = new_id;
      (*sealed)["nonce"] = next.nonce;
      (*sealed)["ciphertext"] = next.ciphertext;
      config::StoredObject changed = o;
      changed.body = json::serialize(body);
      changed.updated_at = now;
      resealed_objects.push_back(std::move(changed));
    }
    stores::AuditRecord audit;
    audit.ts_ms = util::unix_now_ms();
    audit.actor = "cli";
    audit.action = "rotate-key";
    audit.kind = "secret";
    audit.name.assign(1, '*');  // every secret (GCC 12 misreads `= "*"` here: -Wrestrict)
    audit.before = json::serialize(json::object{{"key_id", old_id}});
    audit.after = json::serialize(json::object{{"key_id", new_id},
                                               {"secrets", resealed.size()},
                                               {"mlflow_secrets", resealed_objects.size()}});
    try {
      runtime.control()->replace_secrets(resealed, resealed_objects, audit, stored.version);
    } catch (const stores::ControlConflict& e) {
      std::cerr << "sluice: " << e.what() << "; nothing was changed, run it again\n";
      return 1;
    }
    std::cout << "re-sealed " << resealed.size() + resealed_objects.size() << " secret(s) with key "
              << new_id
              << "; now set auth.secrets_key to the new key on every gateway (until then they "
                 "keep serving the secrets they had opened)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace sluice::cli
