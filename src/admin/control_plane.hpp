#pragma once
// What the control plane's resources share (control_plane.cpp, and MLflow 3's management API in
// mlflow_gateway.cpp): names, the check that a change loads, and its audit record. Blocking.

#include <optional>
#include <string>
#include <string_view>

#include "admin/admin_api.hpp"
#include "config/stored.hpp"
#include "governance/runtime.hpp"
#include "stores/control_store.hpp"

namespace sluice::admin {

// A name the admin API gives objects: 1–128 letters, digits, '_', '-', '.', and not only dots.
bool valid_name(std::string_view name);
// At most 64 bytes of a name given by a client, to quote in an error.
std::string shown(std::string_view s);
// An error answer when this process has no control plane (no store, or the CLI without hooks).
std::optional<AdminAnswer> need_control(governance::Runtime& runtime);

// What a change would break: the config is built as it is and as it would be with `candidate`
// (leaving out stored objects that do not load, as a serving gateway does). The error: a 503
// when the config does not load as it is (the file is broken: no change can be judged), the
// changed object's own when it is left out (`kind` and `name`; empty for a delete), or the
// objects that loaded before and would be left out (a 400).
std::optional<Error> try_load(const AdminRequest& req, governance::Runtime& runtime,
                              const config::StoredConfig& current, config::StoredConfig candidate,
                              std::string_view kind = {}, std::string_view name = {});

// A 409 when the store holds a secret (sluice's, or an MLflow secret's values) sealed with another
// key than `key_id`: a rotation this gateway has not been given yet, after which a value sealed
// with this key could not be opened by the others.
std::optional<Error> rotation_under_way(const config::StoredConfig& stored,
                                        std::string_view key_id);

// The store's write refused because another writer got there first: a 409 to retry.
AdminAnswer conflict();

// The audit record of a change by the caller of `req`; `before`/`after` JSON without any secret
// value ("" when there is none).
stores::AuditRecord audit_of(const AdminRequest& req, std::string action, std::string kind,
                             std::string name, std::string workspace, std::string before,
                             std::string after);

}  // namespace sluice::admin
