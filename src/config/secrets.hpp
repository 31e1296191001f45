#pragma once
// Secret references in config values: `$VAR`, `${VAR}` and `${{ secrets.VAR }}` are replaced by
// the environment variable's value at load time. A missing variable is a load error naming it
// (the name, never a value).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace sluice::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
std::optional<std::string> process_env(const std::string& name);

// `${VAR}` and `${{ secrets.VAR }}` anywhere in `value`; a bare `$VAR` only as the whole value
// (so prices like "$5" and shell-ish text stay literal). Sets `was_secret` when anything was
// substituted.
Result<std::string> resolve_secrets(std::string_view value, const EnvLookup& env, bool& was_secret);

}  // namespace sluice::config
