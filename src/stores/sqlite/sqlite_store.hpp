#pragma once
// GovernanceStore on one SQLite file in WAL mode: readers never wait for the ledger writer, and
// a committed batch survives kill -9 (synchronous=NORMAL loses nothing on a process crash, only
// on a power cut). One connection per object, serialised by a mutex; the ledger writer opens
// its own.

#include <mutex>
#include <string>

#include "stores/control_store.hpp"
#include "stores/governance_store.hpp"
#include "stores/response_store.hpp"

struct sqlite3;

namespace sluice::stores::sqlite {

class SqliteStore : public GovernanceStore, public ResponseStore, public ControlStore {
 public:
  // Opens (creating if needed) and migrates the file; throws with SQLite's message on failure.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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
  void exec(const char* sql);
  // Runs `work` in one write transaction (rolled back if it throws); the caller holds mutex_.
  template <typename Work>
  auto transaction(Work&& work) -> decltype(work());
  void migrate();
  void bump_version();
  void insert_audit(const AuditRecord& audit);  // inside the caller's transaction
  // Moves control_version from `expected` on; throws ControlConflict when it is not that.
  void bump_control_version(std::int64_t expected);

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace sluice::stores::sqlite
