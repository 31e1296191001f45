#pragma once
// Everything governance keeps for the life of the process: the store, the ledger writer, the
// spend view, the limit counters, and the keys created through the admin API or the CLI (config
// keys live in the snapshot). Created once by `sluice serve`; the store it opens is the one the
// starting config names (changing `stores:` takes a restart).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "config/governance.hpp"
#include "config/snapshot.hpp"
#include "config/stored.hpp"
#include "governance/ledger.hpp"
#include "governance/request_log.hpp"
#include "governance/spend_view.hpp"
#include "stores/control_store.hpp"
#include "stores/governance_store.hpp"
#include "stores/limiter.hpp"
#include "stores/redis/redis_limiter.hpp"
#include "stores/response_store.hpp"

namespace sluice::governance {

using KeyPtr = std::shared_ptr<const config::KeySpec>;
using BudgetList = std::shared_ptr<const std::vector<config::BudgetSpec>>;

// Calls `f` with every budget that may apply to a request, in order: the key's own, the
// config's, the store's; stops early when `f` returns false. Returns whether it went through all.
template <typename F>
bool each_budget(const config::KeySpec* key, const config::Governance& g, const BudgetList& stored,
                 F&& f) {
  if (key != nullptr && key->budget && !f(*key->budget)) return false;
  for (const auto& b : g.budgets) {
    if (!f(b)) return false;
  }
  if (stored) {
    for (const auto& b : *stored) {
      if (!f(b)) return false;
    }
  }
  return true;
}

class Runtime {
 public:
  // Opens the store when governance needs one (keys, budgets or `stores:` configured): the
  // PostgreSQL database of `stores.postgres`, else the SQLite file;
  // loads its keys and this month's spend, and starts the ledger writer and the key watcher.
  explicit Runtime(const config::Governance& governance);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The key whose secret this is: config keys of `governance` first, then the store's.
  KeyPtr find_key(const config::Governance& governance, std::string_view secret) const;
  // A store key by id (the admin API); null when none.
  KeyPtr store_key(std::string_view id) const;
  std::vector<KeyPtr> store_keys() const;
  // Budgets made through the admin API, as of the last reload (never null). Config budgets are
  // in the snapshot, a key's own in its KeySpec.
  BudgetList store_budgets() const;
  // Cheaper than store_budgets() for the question "any at all?" asked on every request.
  bool has_store_budgets() const { return has_store_budgets_.load(std::memory_order_relaxed); }
  // For the request path: null, without taking the lock, when the store has no budgets.
  BudgetList store_budgets_if_any() const {
    return has_store_budgets() ? store_budgets() : nullptr;
  }
  // Reads the store's keys and budgets again (after an admin change; the watcher does it for
  // other processes' changes within a second).
  void reload();

  stores::GovernanceStore* store() { return store_.get(); }

  // The control plane (docs/control-plane.md): endpoints, routes and secrets kept in the store.
  // Null without a store.
  stores::ControlStore* control() { return control_; }
  // What the store held at the last read (never null; empty without a store).
  std::shared_ptr<const config::StoredConfig> stored_config() const;
  // How the process turns the store's objects into a snapshot, given by `sluice serve` and the
  // CLI before any admin call: `load` builds one from the config file and `stored` (it
  // validates a change before it is written); `changed` swaps a new one in (after any process
  // changed the store; may be empty).
  struct ControlHooks {
    std::function<Result<config::SnapshotPtr>(const config::StoredConfig& stored)> load;
    std::function<void()> changed;
  };
  void set_control_hooks(ControlHooks hooks);
  const ControlHooks& control_hooks() const { return hooks_; }
  // Reads the control plane again and calls hooks.changed when it differs from the last read.
  // The admin API calls it after a change; the watcher within a second of another process's.
  void reload_control();
  // Where /v1/responses answers are kept (`stores.responses`): the same database; null when
  // they are not kept. Calls block (the blocking pool).
  stores::ResponseStore* responses() { return responses_; }
  Ledger* ledger() { return ledger_.get(); }
  // The payload log (`request_log:` at start); null when it is off.
  RequestLog* request_log() { return request_log_.get(); }
  SpendView& spend() { return spend_; }
  stores::Limiter& limiter() { return limiter_; }
  // The shared counters when `stores.redis` is set (the in-process limiter is then unused).
  stores::redis::RedisLimiter* redis() { return redis_.get(); }

 private:
  void watch();

  std::unique_ptr<stores::GovernanceStore> store_;  // admin API and the watcher (blocking pool)
  stores::ControlStore* control_ = nullptr;         // store_, as the control plane's rows
  stores::ResponseStore* responses_ = nullptr;      // store_, when it keeps responses
  std::unique_ptr<Ledger> ledger_;                  // its own connection, its own thread
  std::unique_ptr<RequestLog> request_log_;         // the same
  SpendView spend_;
  stores::Limiter limiter_;
  std::unique_ptr<stores::redis::RedisLimiter> redis_;

  mutable std::mutex keys_mutex_;
  std::shared_ptr<const std::unordered_map<std::string, KeyPtr>> by_hash_;
  BudgetList budgets_;
  std::atomic<bool> has_store_budgets_{false};
  std::int64_t version_ = -1;
  std::shared_ptr<const config::StoredConfig> stored_;  // under keys_mutex_
  std::int64_t control_version_ = -1;                   // under keys_mutex_
  ControlHooks hooks_;                                  // set before serving
  std::mutex control_reload_mutex_;                     // one reload_control at a time

  std::mutex watch_mutex_;
  std::condition_variable stop_watch_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace sluice::governance
