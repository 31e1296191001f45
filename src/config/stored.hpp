#pragma once
// What the control plane keeps in the store besides keys and budgets (docs/control-plane.md):
// endpoints and routes made through the admin API, and provider secrets sealed with
// AES-256-GCM. The loader merges them with the config file into one snapshot; the stores read
// and write these rows (stores/control_store.hpp).

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::config {

// An endpoint or a route, as the JSON object of one `endpoints:` or `routes:` entry of the file
// (the same keys, the same validation).
struct StoredObject {
  std::string kind;             // "endpoint" or "route"
  std::string name;             // equals the body's "name"
  std::string workspace;        // "" for the default workspace
  std::string body;             // JSON object
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t updated_at = 0;
};

// A provider secret: only its name is ever shown; the value is sealed (util/secret_box.hpp) with
// the key whose id is key_id, and the name as associated data.
struct SealedSecret {
  std::string name;
  std::string workspace;
  std::string key_id;
  std::string nonce;       // base64
  std::string ciphertext;  // base64, tag included
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct StoredConfig {
  std::vector<StoredObject> objects;  // endpoints and routes, by kind then name
  std::vector<SealedSecret> secrets;  // by name
  // Every `{secret: NAME}` reads as a placeholder instead: the first read of the file, made
  // only to find the store that holds the secrets.
  bool placeholder_secrets = false;
};

}  // namespace sluice::config
