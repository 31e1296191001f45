#pragma once
// Keys as JSON: the admin API's shape, and the JSON columns the stores keep lists in.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/governance.hpp"
#include "model/error.hpp"

namespace sluice::stores {

std::string globs_to_json(const std::vector<std::string>& globs);
std::vector<std::string> globs_from_json(const std::string& text);
std::string limits_to_json(const std::vector<config::LimitSpec>& limits);
std::vector<config::LimitSpec> limits_from_json(const std::string& text, const std::string& key_id);
std::string budget_to_json(const config::BudgetSpec& budget);
std::optional<config::BudgetSpec> budget_from_json(const std::string& text,
                                                   const std::string& key_id);

// A key's cache settings (config::KeyCache) as the admin API shows and the stores keep them:
// {"mode", "ttl_s", "scope", "client_controls"}, each only when set; from JSON, "off" too. A
// stored value is read leniently (fields a later version added are skipped); one that cannot be
// read at all is taken as the cache off for the key, logged.
std::string key_cache_to_json(const config::KeyCache& cache);
config::KeyCache key_cache_from_json(const std::string& text);

// What the admin API shows of a key: everything but its hash.
boost::json::object key_to_json(const config::KeySpec& key);

// Applies the admin API's fields (name, user, team, endpoints, models, expires_at, disabled,
// metadata, limits, budget, cache) from `body` to `key`, validating each; unknown fields, a
// negative or non-numeric budget and the like are a 400 naming the field.
std::optional<Error> apply_key_fields(const boost::json::object& body, config::KeySpec& key);

// A budget's fields with its scope and match: {scope, match, usd, per, alert_at}.
boost::json::object budget_object_with_scope(const config::BudgetSpec& budget);
// Applies {scope, match, usd, per, alert_at} from `body` to `budget` (a budget made through the
// admin API), validating each; `creating` requires scope and usd.
std::optional<Error> apply_budget_fields(const boost::json::object& body,
                                         config::BudgetSpec& budget, bool creating);

}  // namespace sluice::stores
