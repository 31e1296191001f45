#pragma once
// The control plane's rows (docs/control-plane.md): endpoints and routes made through the admin
// API, sealed provider secrets, and the audit trail of every change made through the admin API
// or the CLI. Implemented by the SQLite and PostgreSQL stores next to GovernanceStore. Calls
// block (the blocking pool, the watcher thread, the CLI).

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/stored.hpp"

namespace sluice::stores {

// One change: who made it (the admin key's id "admin", "cli", or a workspace admin), what
// (create | update | delete | rotate | rotate-key), and the object before and after as JSON
// with no secret value in either ("" when there is none).
struct AuditRecord {
  std::int64_t id = 0;  // set by the store
  std::int64_t ts_ms = 0;
  std::string actor, action, kind, name, workspace;
  std::string before, after;
};

// GET /admin/audit: newest first, at most `limit`, records from since_ms up to until_ms; kind
// and name filter when not empty.
struct AuditQuery {
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  std::string kind, name;
  std::optional<std::string> workspace{};  // only this workspace's records ("" the default)
  std::size_t limit = 100;
};

// A write whose `expected_version` is no longer the store's control_version: another writer
// changed the control plane between this one's read and its write (the admin API answers 409).
struct ControlConflict : std::runtime_error {
  ControlConflict()
      : std::runtime_error("the control plane changed meanwhile (another admin call or replica)") {}
};

class ControlStore {
 public:
  virtual ~ControlStore() = default;
  // Changes whenever an endpoint, route or secret is written, by any process.
  virtual std::int64_t control_version() = 0;
  // Endpoints and routes by kind then name; secrets by name; the version they were read at
  // (one consistent read).
  virtual config::StoredConfig load_control() = 0;
  // Each write is one transaction with its audit record and a version bump, and only if the
  // version is still `expected_version` (the one the change was validated against): else it
  // throws ControlConflict and writes nothing. put_*: insert or replace (created_at kept from
  // the first write); delete_*: false when there was none.
  virtual void put_object(const config::StoredObject& object, const AuditRecord& audit,
                          std::int64_t expected_version) = 0;
  virtual bool delete_object(std::string_view kind, std::string_view name, const AuditRecord& audit,
                             std::int64_t expected_version) = 0;
  virtual void put_secret(const config::SealedSecret& secret, const AuditRecord& audit,
                          std::int64_t expected_version) = 0;
  virtual bool delete_secret(std::string_view name, const AuditRecord& audit,
                             std::int64_t expected_version) = 0;
  // Every secret replaced at once (re-sealed under a new key), in one transaction, with the
  // objects whose bodies hold sealed values (MLflow's secrets: config/mlflow_objects.hpp).
  virtual void replace_secrets(std::span<const config::SealedSecret> secrets,
                               std::span<const config::StoredObject> objects,
                               const AuditRecord& audit, std::int64_t expected_version) = 0;
  // A change that is not the control plane's own (keys, budgets): only the record.
  virtual void append_audit(const AuditRecord& audit) = 0;
  virtual std::vector<AuditRecord> audit(const AuditQuery& query) = 0;
};

}  // namespace sluice::stores
