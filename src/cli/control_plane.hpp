#pragma once
// `sluice endpoints|routes|secrets|audit …`: the control plane's admin calls
// (docs/control-plane.md) run in-process against the store the config names, and
// `sluice secrets rotate-key`, which re-seals every stored secret under a new key.

#include <optional>
#include <string>

namespace sluice::cli {

struct ControlOptions {
  std::string config;
  std::string kind;           // "endpoint" or "route" (endpoints/routes commands)
  std::string name;           // get, update, delete
  std::string file;           // create, update: the definition (a JSON object); "-" for stdin
  std::string since = "30d";  // audit
  std::optional<std::string> workspace;  // secrets create: the workspace ("*": shared endpoints')
};

int objects_list(const ControlOptions& o);
int objects_get(const ControlOptions& o);
int objects_create(const ControlOptions& o);
int objects_update(const ControlOptions& o);
int objects_delete(const ControlOptions& o);
// Secrets: the value is read from standard input (never an argument: it would sit in the
// shell's history and in `ps`).
int secrets_list(const ControlOptions& o);
int secrets_create(const ControlOptions& o);
int secrets_update(const ControlOptions& o);
int secrets_delete(const ControlOptions& o);
// Reads the new key from standard input, opens every stored secret with the config's
// auth.secrets_key and seals it again with the new one, all in one transaction (audited).
int secrets_rotate_key(const ControlOptions& o);
int audit_list(const ControlOptions& o);

}  // namespace sluice::cli
