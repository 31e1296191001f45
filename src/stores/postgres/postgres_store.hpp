#pragma once
// GovernanceStore on PostgreSQL, for several gateway replicas: they share keys, the ledger and
// a per-day spend summary (spend_daily) that each replica re-reads every second to see the
// others' spend. A ledger batch is two statements in one transaction (unnest() of one array per
// column), whatever its size.

#include <string>

#include "stores/control_store.hpp"
#include "stores/governance_store.hpp"
#include "stores/postgres/pg_pool.hpp"
#include "stores/response_store.hpp"

namespace sluice::stores::postgres {

class PostgresStore : public GovernanceStore, public ResponseStore, public ControlStore {
 public:
  // Connects and migrates (every replica may do so at once: an advisory lock serialises them);
  // throws with the server's message when it cannot. `connections` bounds this object's pool.
  PostgresStore(const std::string& url, std::size_t connections);

  std::vector<config::KeySpec> load_keys() override;
  std::int64_t version() override;
  void insert_key(const config::KeySpec& key) override;
  bool update_key(const config::KeySpec& key) override;
  bool delete_key(std::string_view id) override;
  std::vector<config::BudgetSpec> load_budgets() override;
  void insert_budget(const config::BudgetSpec& budget) override;
  bool update_budget(const config::BudgetSpec& budget) override;
  bool delete_budget(std::string_view id) override;
  void append(std::span<const LedgerEntry> entries) override;
  std::vector<SpendRow> spend(const SpendQuery& query) override;
  std::vector<UsageRow> usage(const UsageQuery& query) override;
  void append_requests(std::span<const RequestRecord> records) override;
  std::vector<RequestRecord> find_requests(const RequestQuery& query) override;
  std::optional<RequestRecord> request(std::string_view request_id,
                                       const std::optional<std::string>& workspace) override;
  std::uint64_t prune_requests(std::int64_t before_ms) override;
  std::vector<SpendTotal> totals_since(std::int64_t since_ms) override;
  std::uint64_t ledger_count() override;
  bool shared_between_replicas() const override { return true; }
  void put_response(const StoredResponse& response, std::int64_t now_s) override;
  std::optional<StoredResponse> get_response(std::string_view id, std::int64_t now_s) override;
  bool delete_response(std::string_view id) override;
  std::int64_t control_version() override;
  config::StoredConfig load_control() override;
  void put_object(const config::StoredObject& object, const AuditRecord& audit,
                  std::int64_t expected_version) override;
  bool delete_object(std::string_view kind, std::string_view name, const AuditRecord& audit,
                     std::int64_t expected_version) override;
  void put_secret(const config::SealedSecret& secret, const AuditRecord& audit,
                  std::int64_t expected_version) override;
  bool delete_secret(std::string_view name, const AuditRecord& audit,
                     std::int64_t expected_version) override;
  void replace_secrets(std::span<const config::SealedSecret> secrets,
                       std::span<const config::StoredObject> objects, const AuditRecord& audit,
                       std::int64_t expected_version) override;
  void append_audit(const AuditRecord& audit) override;
  std::vector<AuditRecord> audit(const AuditQuery& query) override;

  int schema_version();

 private:
  void migrate();
  // Runs `work` on a pooled connection. A connection the server dropped while it sat idle (a
  // restart, a failover) shows it only when used: when the very first statement fails that way,
  // nothing was done, so the work runs once more on a fresh session.
  template <typename Work>
  auto with_connection(Work&& work) -> decltype(work(std::declval<Connection&>()));

  Pool pool_;
};

}  // namespace sluice::stores::postgres
