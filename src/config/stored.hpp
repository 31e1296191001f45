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
  std::int64_t version = 0;           // the store's control_version these were read at
  // Every `{secret: NAME}` reads as a placeholder instead (`sluice check-config`, which reads
  // the file alone and opens no store).
  bool placeholder_secrets = false;
  // Only what opens the store is read (server, auth, stores, governance, cache, guardrails,
  // otel); endpoints and routes are not: the first read of the file by `serve` and the CLI,
  // which may name stored endpoints and secrets not known yet.
  bool governance_only = false;
  // An object that does not load (its name now taken by the file, a secret that no longer
  // opens, an endpoint its route needs gone) is left out with a warning (Snapshot::warnings)
  // instead of failing the whole config: what a serving gateway does, so a change to the file
  // cannot keep it from starting. Off when a change is validated, which must see every error.
  bool skip_broken = false;
  // The snapshot is built to validate a change and thrown away: endpoints get no metrics series
  // or health entry (their pointers stay null).
  bool dry_run = false;
};

}  // namespace sluice::config
