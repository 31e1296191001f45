#pragma once
// What has been spent today and this month, per key, team, user, endpoint, provider and in
// all: the in-memory view budgets are checked against, so the request path never queries the
// database. Rebuilt from the ledger at start, then kept current as each request is accounted.

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

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
  // Becomes the store's totals plus the entries not yet committed to it: how a replica sees what
  // the others spent (the ledger writer calls it every second when the store is shared).
  void replace(std::span<const stores::SpendTotal> totals,
               std::span<const stores::LedgerEntry> uncommitted);
  double spent(config::Scope scope, std::string_view name, config::Period per,
               std::int64_t unix_ms) const;
  // Tokens (prompt + completion) spent, for token budgets.
  std::uint64_t spent_tokens(config::Scope scope, std::string_view name, config::Period per,
                             std::int64_t unix_ms) const;

  // Dollars and tokens together: what a request holds, what a subject spent.
  struct Amount {
    double usd = 0;
    double tokens = 0;
  };

  // Budget reservations: a request's worst-case cost, held from its admission until it ends, so
  // that requests in flight together cannot all pass a budget with room for some of them.
  struct Hold {
    config::Scope scope;
    std::string name;  // the subject in that scope (a key id, team, …)
    config::Period per;
    std::optional<double> limit_usd;  // the budget's caps; none: not capped in that unit
    std::uint64_t limit_tokens = 0;
    config::OnExceed on_exceed = config::OnExceed::kRefuse;
    std::string fallback{};  // with on_exceed fallback, the endpoint
  };
  // What try_reserve found for the first hold without room.
  struct Short {
    std::size_t index = 0;  // into the holds
    Amount spent;
    Amount held;          // by other requests in flight
    bool tokens = false;  // the token cap is the one without room (else the dollar one)
  };
  // Atomically: if every hold has room in each unit it caps — spent + held + want ≤ its limit
  // (and, with a want of 0, spent + held < its limit) — holds `want` on each and returns nullopt;
  // else holds nothing and says which has none. Holds on the same (scope, name, per) count once.
  std::optional<Short> try_reserve(std::span<const Hold> holds, Amount want, std::int64_t unix_ms);
  // Gives back what try_reserve held (the same holds and want).
  void release(std::span<const Hold> holds, Amount want);
  Amount held(config::Scope scope, std::string_view name, config::Period per) const;

 private:
  // One total: a subject in a scope, in one day or month. Looked up through SlotView, so the
  // request path builds no string; a string is made only when a subject first spends.
  struct SlotView {
    config::Scope scope;
    std::string_view name;
    char per;  // 'd' or 'm'
    std::int64_t bucket;
  };
  struct Slot {
    config::Scope scope;
    std::string name;
    char per;
    std::int64_t bucket;
    operator SlotView() const { return {scope, name, per, bucket}; }
  };
  struct SlotHash {
    using is_transparent = void;
    std::size_t operator()(const SlotView& s) const;
    std::size_t operator()(const Slot& s) const { return (*this)(SlotView(s)); }
  };
  struct SlotEqual {
    using is_transparent = void;
    static SlotView view(const SlotView& s) { return s; }
    static SlotView view(const Slot& s) { return s; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const SlotView x = view(a), y = view(b);
      return x.scope == y.scope && x.per == y.per && x.bucket == y.bucket && x.name == y.name;
    }
  };

  void add_to(config::Scope scope, std::string_view name, std::int64_t unix_ms, Amount amount);
  void add_slot(const SlotView& slot, Amount amount);
  // Spent and held for one hold, under the lock.
  std::pair<Amount, Amount> state_of(const Hold& hold, std::int64_t unix_ms) const;

  mutable std::mutex mutex_;
  std::unordered_map<Slot, Amount, SlotHash, SlotEqual> totals_;
  // Reservations in flight, by (scope, name, per) as a slot with bucket 0: a hold outlives a
  // day's turn and is given back whole.
  std::unordered_map<Slot, Amount, SlotHash, SlotEqual> held_;
};

}  // namespace sluice::governance
