#pragma once
// What has been spent today and this month, per key, team, user, endpoint, provider and in
// all: the in-memory view budgets are checked against, so the request path never queries the
// database. Rebuilt from the ledger at start, then kept current as each request is accounted.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/governance.hpp"
#include "stores/governance_store.hpp"

namespace sluice::governance {

// UTC calendar periods: the day number since the epoch, or year*12+month.
std::int64_t period_bucket(config::Period per, std::int64_t unix_ms);
// The first millisecond of the current month (UTC), to rebuild the view from.
std::int64_t month_start_ms(std::int64_t unix_ms);

class SpendView {
 public:
  // Adds a request's cost to every scope it belongs to; returns the totals before, for the
  // alert check.
  void add(const stores::LedgerEntry& entry);
  void add_total(const stores::SpendTotal& total);
  double spent(config::Scope scope, std::string_view name, config::Period per,
               std::int64_t unix_ms) const;

 private:
  void add_to(config::Scope scope, std::string_view name, std::int64_t unix_ms, double usd);
  static std::string slot(config::Scope scope, std::string_view name, config::Period per,
                          std::int64_t bucket);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, double> totals_;
};

}  // namespace sluice::governance
