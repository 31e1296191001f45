#pragma once
// `sluice prices check`: each endpoint of a config with the price its requests are charged at
// (the built-in table with the config's `pricing:` on top), and those without one, whose cost is
// not counted (0 on the ledger) and which budgets cannot hold for.

#include <string>

namespace sluice::cli {

// Prints one line per endpoint; returns 0 when every endpoint has a price, 1 when some do not
// (or the config does not load), so a deploy script can stop on it.
int prices_check(const std::string& config_path);

}  // namespace sluice::cli
