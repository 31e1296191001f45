#include "governance/runtime.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "stores/postgres/postgres_store.hpp"
#include "stores/sqlite/sqlite_store.hpp"
#include "util/constant_time.hpp"
#include "util/key_secret.hpp"
#include "util/unix_time.hpp"

namespace sluice::governance {

namespace {

// Connections for admin calls and the key watcher; the ledger writer has one of its own.
constexpr std::size_t kAdminConnections = 2;

std::unique_ptr<stores::GovernanceStore> open_store(const config::StoreConfig& c,
                                                    std::size_t connections) {
  if (!c.postgres.empty())
    return std::make_unique<stores::postgres::PostgresStore>(c.postgres, connections);
  return std::make_unique<stores::sqlite::SqliteStore>(c.sqlite);
}

}  // namespace

Runtime::Runtime(const config::Governance& g) {
  by_hash_ = std::make_shared<const std::unordered_map<std::string, KeyPtr>>();
  stored_ = std::make_shared<const config::StoredConfig>();
  budgets_ = std::make_shared<const std::vector<config::BudgetSpec>>();
  if (!g.store.redis.empty()) {
    // Validated at load, so this parse succeeds.
    redis_ = std::make_unique<stores::redis::RedisLimiter>(
        *stores::redis::parse_redis_url(g.store.redis));
  }
  if (g.request_log.enabled) {
    // Its own connection and thread, like the ledger's.
    request_log_ = std::make_unique<RequestLog>(
        g.request_log, g.request_log.to_file ? nullptr : open_store(g.store, 1));
  }
  if (!g.ledger) return;
  store_ = open_store(g.store, kAdminConnections);
  if (g.store.responses_ttl_s > 0) responses_ = dynamic_cast<stores::ResponseStore*>(store_.get());
  control_ = dynamic_cast<stores::ControlStore*>(store_.get());
  if (control_ != nullptr) {
    control_version_ = control_->control_version();
    stored_ = std::make_shared<const config::StoredConfig>(control_->load_control());
  }
  for (const auto& total : store_->totals_since(month_start_ms(util::unix_now_ms())))
    spend_.add_total(total);
  reload();
  ledger_ = std::make_unique<Ledger>(open_store(g.store, 1), spend_);
  watcher_ = std::thread([this] { watch(); });
}

Runtime::~Runtime() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  stop_watch_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  ledger_.reset();       // commits what is queued
  request_log_.reset();  // writes what is queued
}

void Runtime::watch() {
  std::unique_lock lock(watch_mutex_);
  while (!stop_watch_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    lock.unlock();
    try {
      std::int64_t version = store_->version();
      bool changed = false;
      {
        std::lock_guard keys(keys_mutex_);
        changed = version != version_;
      }
      if (changed) reload();
      if (control_ != nullptr) {
        std::int64_t control = control_->control_version();
        bool moved = false;
        {
          std::lock_guard keys(keys_mutex_);
          moved = control != control_version_;
        }
        if (moved) reload_control();
      }
    } catch (const std::exception& e) {
      std::cerr << "sluice: reading keys and budgets from the store failed: " << e.what() << "\n";
    }
    lock.lock();
  }
}

void Runtime::reload() {
  if (!store_) return;
  const std::int64_t version = store_->version();
  auto map = std::make_shared<std::unordered_map<std::string, KeyPtr>>();
  for (auto& k : store_->load_keys()) {
    std::string hash = k.hash;
    map->emplace(std::move(hash), std::make_shared<const config::KeySpec>(std::move(k)));
  }
  auto budgets = std::make_shared<const std::vector<config::BudgetSpec>>(store_->load_budgets());
  std::lock_guard lock(keys_mutex_);
  by_hash_ = std::move(map);
  has_store_budgets_.store(!budgets->empty(), std::memory_order_relaxed);
  budgets_ = std::move(budgets);
  version_ = version;
}

std::shared_ptr<const config::StoredConfig> Runtime::stored_config() const {
  std::lock_guard lock(keys_mutex_);
  return stored_;
}

void Runtime::set_control_hooks(ControlHooks hooks) {
  std::lock_guard serial(control_reload_mutex_);  // the watcher reads them under it
  hooks_ = std::move(hooks);
}

void Runtime::reload_control() {
  if (control_ == nullptr) return;
  std::lock_guard serial(control_reload_mutex_);
  const std::int64_t version = control_->control_version();
  {
    std::lock_guard lock(keys_mutex_);
    if (version == control_version_) return;
  }
  auto stored = std::make_shared<const config::StoredConfig>(control_->load_control());
  {
    std::lock_guard lock(keys_mutex_);
    stored_ = std::move(stored);
    control_version_ = version;
  }
  if (hooks_.changed) hooks_.changed();
}

KeyPtr Runtime::find_key(const config::Governance& g, std::string_view secret) const {
  const std::string hash = util::hash_secret(g.pepper, secret);
  for (const auto& k : g.keys) {
    if (util::constant_time_equal(k->hash, hash)) return k;
  }
  std::shared_ptr<const std::unordered_map<std::string, KeyPtr>> map;
  {
    std::lock_guard lock(keys_mutex_);
    map = by_hash_;
  }
  auto it = map->find(hash);
  // The map compares the HMAC, not the secret; the check below keeps the final comparison
  // constant-time all the same.
  if (it == map->end() || !util::constant_time_equal(it->first, hash)) return nullptr;
  return it->second;
}

KeyPtr Runtime::store_key(std::string_view id) const {
  std::lock_guard lock(keys_mutex_);
  for (const auto& [hash, key] : *by_hash_) {
    if (key->id == id) return key;
  }
  return nullptr;
}

BudgetList Runtime::store_budgets() const {
  std::lock_guard lock(keys_mutex_);
  return budgets_;
}

std::vector<KeyPtr> Runtime::store_keys() const {
  std::lock_guard lock(keys_mutex_);
  std::vector<KeyPtr> out;
  for (const auto& [hash, key] : *by_hash_) out.push_back(key);
  std::sort(out.begin(), out.end(), [](const KeyPtr& a, const KeyPtr& b) {
    return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
  });
  return out;
}

}  // namespace sluice::governance
