#include "stores/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <ctime>
#include <stdexcept>
#include <type_traits>

#include "stores/key_json.hpp"
#include "stores/sqlite/migrations.hpp"

namespace sluice::stores::sqlite {

namespace {

// A prepared statement that finalizes itself; bind_* and step throw on SQLite errors.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& real(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string column_text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, i)) : "";
  }
  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  double column_real(int i) const { return sqlite3_column_double(stmt_, i); }
  bool column_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

// bind_request_record's binder and read_request_record's row over a Statement.
struct Binder {
  Statement& s;
  int i = 1;
  void text(std::string_view v) { s.text(i++, v); }
  void integer(std::int64_t v) { s.integer(i++, v); }
  void real(double v) { s.real(i++, v); }
  void boolean(bool v) { s.integer(i++, v ? 1 : 0); }
  void null() { s.null(i++); }
};
struct Row {
  const Statement& s;
  std::string text(int c) const { return s.column_text(c); }
  std::int64_t integer(int c) const { return s.column_int(c); }
  double real(int c) const { return s.column_real(c); }
  bool boolean(int c) const { return s.column_int(c) != 0; }
  bool null(int c) const { return s.column_null(c); }
};

void bind_key(Statement& s, const config::KeySpec& k) {
  s.text(1, k.id).text(2, k.name).text(3, k.hash).text(4, k.prefix).text(5, k.user).text(6, k.team);
  s.text(7, stores::globs_to_json(k.endpoints)).text(8, stores::globs_to_json(k.models));
  if (k.expires_at) {
    s.integer(9, *k.expires_at);
  } else {
    s.null(9);
  }
  s.integer(10, k.disabled ? 1 : 0).text(11, k.metadata);
  s.text(12, stores::limits_to_json(k.limits));
  if (k.budget) {
    s.text(13, stores::budget_to_json(*k.budget));
  } else {
    s.null(13);
  }
  s.integer(14, k.created_at ? k.created_at : now_s()).integer(15, now_s());
  if (k.cache) {
    s.text(16, stores::key_cache_to_json(*k.cache));
  } else {
    s.null(16);
  }
  s.text(17, stores::globs_to_json(k.guardrails));  // (a list of names, stored as globs are)
  s.text(18, k.workspace);
  s.text(19, k.admin ? "admin" : "");
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  migrate();
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

template <typename Work>
auto SqliteStore::transaction(Work&& work) -> decltype(work()) {
  // BEGIN IMMEDIATE takes the write lock at once, so two processes never both read and then
  // collide on writing (SQLITE_BUSY mid-transaction); busy_timeout covers the wait.
  exec("BEGIN IMMEDIATE");
  try {
    if constexpr (std::is_void_v<decltype(work())>) {
      work();
      exec("COMMIT");
    } else {
      auto result = work();
      exec("COMMIT");
      return result;
    }
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + message);
  }
}

void SqliteStore::migrate() {
  std::lock_guard lock(mutex_);
  // One transaction: two processes opening a new file at once apply each step once.
  transaction([&] {
    exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
        "NOT NULL, applied_at INTEGER NOT NULL)");
    // Finalized before the steps run: a statement still open on the connection makes a step
    // that drops a table fail ("database table is locked").
    const auto have = [&] {
      Statement current(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      current.step();
      return current.column_int(0);
    }();
    for (const Migration& m : migrations()) {
      if (m.version <= have) continue;
      exec(std::string(m.sql).c_str());
      Statement done(db_,
                     "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?,?,?)");
      done.integer(1, m.version).text(2, m.name).integer(3, now_s());
      done.step();
    }
  });
}

int SqliteStore::schema_version() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  s.step();
  return static_cast<int>(s.column_int(0));
}

std::vector<config::KeySpec> SqliteStore::load_keys() {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, name, hash, prefix, user_name, team, endpoints, models, expires_at, "
              "disabled, metadata, limits, budget, created_at, cache, guardrails, workspace, role "
              "FROM keys "
              "ORDER BY created_at, id");
  std::vector<config::KeySpec> out;
  while (s.step()) {
    config::KeySpec k;
    k.id = s.column_text(0);
    k.name = s.column_text(1);
    k.hash = s.column_text(2);
    k.prefix = s.column_text(3);
    k.user = s.column_text(4);
    k.team = s.column_text(5);
    k.endpoints = stores::globs_from_json(s.column_text(6));
    k.models = stores::globs_from_json(s.column_text(7));
    if (!s.column_null(8)) k.expires_at = s.column_int(8);
    k.disabled = s.column_int(9) != 0;
    k.metadata = s.column_text(10);
    k.limits = stores::limits_from_json(s.column_text(11), k.id);
    if (!s.column_null(12)) k.budget = stores::budget_from_json(s.column_text(12), k.id);
    k.created_at = s.column_int(13);
    if (!s.column_null(14)) k.cache = stores::key_cache_from_json(s.column_text(14));
    k.guardrails = stores::globs_from_json(s.column_text(15));
    k.workspace = s.column_text(16);
    k.admin = s.column_text(17) == "admin";
    out.push_back(std::move(k));
  }
  return out;
}

std::int64_t SqliteStore::version() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT value FROM meta WHERE name = 'keys_version'");
  return s.step() ? s.column_int(0) : 0;
}

void SqliteStore::bump_version() {
  exec("UPDATE meta SET value = value + 1 WHERE name = 'keys_version'");
}

void SqliteStore::insert_key(const config::KeySpec& key) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    Statement s(db_,
                "INSERT INTO keys (id, name, hash, prefix, user_name, team, endpoints, models, "
                "expires_at, disabled, metadata, limits, budget, created_at, updated_at, cache, "
                "guardrails, workspace, role) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_key(s, key);
    s.step();
    bump_version();
  });
}

bool SqliteStore::update_key(const config::KeySpec& key) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    Statement s(db_,
                "UPDATE keys SET id = ?1, name = ?2, hash = ?3, prefix = ?4, user_name = ?5, "
                "team = ?6, endpoints = ?7, models = ?8, expires_at = ?9, disabled = ?10, "
                "metadata = ?11, limits = ?12, budget = ?13, created_at = ?14, updated_at = ?15, "
                "cache = ?16, guardrails = ?17, workspace = ?18, role = ?19 WHERE id = ?1");
    bind_key(s, key);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) bump_version();
    return changed;
  });
}

bool SqliteStore::delete_key(std::string_view id) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    Statement s(db_, "DELETE FROM keys WHERE id = ?");
    s.text(1, id);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) bump_version();
    return changed;
  });
}

std::vector<config::BudgetSpec> SqliteStore::load_budgets() {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, scope, subject, usd, per, alert_at, created_at, tokens, on_exceed, "
              "fallback FROM budgets ORDER BY created_at, id");
  std::vector<config::BudgetSpec> out;
  while (s.step()) {
    // Written by this code from validated values; a row edited by hand into nonsense is skipped.
    auto scope = config::scope_named(s.column_text(1));
    auto per = config::period_named(s.column_text(4));
    auto on_exceed = config::on_exceed_named(s.column_text(8));
    if (!scope || !per || !on_exceed) continue;
    config::BudgetSpec b;
    b.id = s.column_text(0);
    b.scope = *scope;
    b.match = s.column_text(2);
    if (!s.column_null(3)) b.usd = s.column_real(3);
    b.per = *per;
    b.alert_at = s.column_real(5);
    b.created_at = s.column_int(6);
    b.tokens = static_cast<std::uint64_t>(s.column_int(7));
    b.on_exceed = *on_exceed;
    b.fallback = s.column_text(9);
    out.push_back(std::move(b));
  }
  return out;
}

namespace {

void bind_budget(Statement& s, const config::BudgetSpec& b) {
  s.text(1, b.id).text(2, config::scope_name(b.scope)).text(3, b.match);
  if (b.usd) {
    s.real(4, *b.usd);
  } else {
    s.null(4);
  }
  s.text(5, config::period_name(b.per)).real(6, b.alert_at);
  s.integer(7, b.created_at ? b.created_at : now_s()).integer(8, now_s());
  s.integer(9, static_cast<std::int64_t>(b.tokens)).text(10, config::on_exceed_name(b.on_exceed));
  s.text(11, b.fallback);
}

}  // namespace

void SqliteStore::insert_budget(const config::BudgetSpec& budget) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    Statement s(db_,
                "INSERT INTO budgets (id, scope, subject, usd, per, alert_at, created_at, "
                "updated_at, tokens, on_exceed, fallback) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    bind_budget(s, budget);
    s.step();
    bump_version();
  });
}

bool SqliteStore::update_budget(const config::BudgetSpec& budget) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    Statement s(db_,
                "UPDATE budgets SET scope = ?2, subject = ?3, usd = ?4, per = ?5, alert_at = ?6, "
                "created_at = ?7, updated_at = ?8, tokens = ?9, on_exceed = ?10, fallback = ?11 "
                "WHERE id = ?1");
    bind_budget(s, budget);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) bump_version();
    return changed;
  });
}

bool SqliteStore::delete_budget(std::string_view id) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    Statement s(db_, "DELETE FROM budgets WHERE id = ?");
    s.text(1, id);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) bump_version();
    return changed;
  });
}

void SqliteStore::append(std::span<const LedgerEntry> entries) {
  if (entries.empty()) return;
  std::lock_guard lock(mutex_);
  transaction([&] {
    Statement s(db_,
                "INSERT INTO ledger (ts_ms, request_id, key_id, team, user_name, endpoint, "
                "provider, model, status, prompt_tokens, completion_tokens, cached_tokens, "
                "reasoning_tokens, cache_write_tokens, cost_usd, priced, saved_usd, guardrails, "
                "latency_ms, workspace, ttft_ms) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const LedgerEntry& e : entries) {
      s.integer(1, e.ts_ms).text(2, e.request_id).text(3, e.key_id).text(4, e.team);
      s.text(5, e.user).text(6, e.endpoint).text(7, e.provider).text(8, e.model);
      s.integer(9, e.status).integer(10, static_cast<std::int64_t>(e.prompt_tokens));
      s.integer(11, static_cast<std::int64_t>(e.completion_tokens));
      s.integer(12, static_cast<std::int64_t>(e.cached_tokens));
      s.integer(13, static_cast<std::int64_t>(e.reasoning_tokens));
      s.integer(14, static_cast<std::int64_t>(e.cache_write_tokens));
      s.real(15, e.cost_usd).integer(16, e.priced ? 1 : 0).real(17, e.saved_usd);
      s.text(18, e.guardrails).real(19, e.latency_ms).text(20, e.workspace);
      if (e.ttft_ms >= 0) {
        s.real(21, e.ttft_ms);
      } else {
        s.null(21);
      }
      s.step();
      s.reset();
    }
  });
}

std::vector<SpendRow> SqliteStore::spend(const SpendQuery& q) {
  static constexpr const char* kDay = "date(ts_ms / 1000, 'unixepoch')";
  std::string column(ledger_column(q.by));
  if (column.empty()) column = kDay;
  const std::string day = q.per_day ? kDay : "''";
  std::string sql = std::string("SELECT ") + column + ", " + day +
                    ", COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), "
                    "SUM(saved_usd) FROM ledger WHERE ts_ms >= ?";
  if (q.until_ms) sql += " AND ts_ms < ?";
  // Column names from ledger_column (a fixed list), values bound.
  for (const auto& [by, value] : q.where) sql += " AND " + std::string(ledger_column(by)) + " = ?";
  sql += " GROUP BY 1, 2 ORDER BY 2, 6 DESC, 1";
  std::lock_guard lock(mutex_);
  Statement s(db_, sql.c_str());
  int i = 1;
  s.integer(i++, q.since_ms);
  if (q.until_ms) s.integer(i++, *q.until_ms);
  for (const auto& w : q.where) s.text(i++, w.second);
  std::vector<SpendRow> out;
  while (s.step()) {
    out.push_back({s.column_text(0), s.column_text(1), static_cast<std::uint64_t>(s.column_int(2)),
                   static_cast<std::uint64_t>(s.column_int(3)),
                   static_cast<std::uint64_t>(s.column_int(4)), s.column_real(5),
                   s.column_real(6)});
  }
  return out;
}

std::vector<UsageRow> SqliteStore::usage(const UsageQuery& q) {
  const std::string sql = usage_sql(q, [](int n) {
    std::string p(1, '?');
    return p += std::to_string(n);
  });
  std::lock_guard lock(mutex_);
  Statement s(db_, sql.c_str());
  s.integer(1, q.since_ms).integer(2, q.until_ms).integer(3, q.bucket_ms);
  int i = 4;
  for (const auto& w : q.where) s.text(i++, w.second);
  std::vector<UsageRow> out;
  while (s.step()) {
    out.push_back(usage_row(
        q.bucket_ms, [&](int c) { return s.column_int(c); },
        [&](int c) { return s.column_text(c); }, [&](int c) { return s.column_real(c); }));
  }
  return out;
}

void SqliteStore::append_requests(std::span<const RequestRecord> records) {
  if (records.empty()) return;
  std::string sql = std::string("INSERT INTO request_log (") + kRequestColumns + ") VALUES (?";
  for (int i = 1; i < kRequestColumnCount; ++i) sql += ",?";
  sql += ")";
  std::lock_guard lock(mutex_);
  transaction([&] {
    Statement s(db_, sql.c_str());
    for (const RequestRecord& r : records) {
      Binder b{s};
      bind_request_record(b, r);
      s.step();
      s.reset();
    }
  });
}

std::vector<RequestRecord> SqliteStore::find_requests(const RequestQuery& q) {
  std::string sql = std::string("SELECT ") + kRequestListColumns +
                    " FROM request_log WHERE ts_ms >= ?1 AND ts_ms < ?2";
  if (!q.key_id.empty()) sql += " AND key_id = ?3";
  if (!q.endpoint.empty()) sql += " AND endpoint = ?4";
  if (q.status) sql += " AND status = ?5";
  if (q.workspace) sql += " AND workspace = ?7";
  sql += " ORDER BY ts_ms DESC, id DESC LIMIT ?6";
  std::lock_guard lock(mutex_);
  Statement s(db_, sql.c_str());
  s.integer(1, q.since_ms).integer(2, q.until_ms).text(3, q.key_id).text(4, q.endpoint);
  s.integer(5, q.status.value_or(0)).integer(6, static_cast<std::int64_t>(q.limit));
  s.text(7, q.workspace.value_or(""));
  std::vector<RequestRecord> out;
  while (s.step()) out.push_back(read_request_record(Row{s}, false));
  return out;
}

std::optional<RequestRecord> SqliteStore::request(std::string_view request_id,
                                                  const std::optional<std::string>& workspace) {
  const std::string sql = std::string("SELECT ") + kRequestColumns +
                          " FROM request_log WHERE request_id = ?1" +
                          (workspace ? " AND workspace = ?2" : "") + " ORDER BY id DESC LIMIT 1";
  std::lock_guard lock(mutex_);
  Statement s(db_, sql.c_str());
  s.text(1, request_id);
  if (workspace) s.text(2, *workspace);
  if (!s.step()) return std::nullopt;
  return read_request_record(Row{s}, true);
}

std::uint64_t SqliteStore::prune_requests(std::int64_t before_ms) {
  std::lock_guard lock(mutex_);
  Statement(db_, "DELETE FROM request_log WHERE ts_ms < ?").integer(1, before_ms).step();
  return static_cast<std::uint64_t>(sqlite3_changes(db_));
}

std::vector<SpendTotal> SqliteStore::totals_since(std::int64_t since_ms) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT key_id, team, user_name, endpoint, provider, workspace, ts_ms / 86400000, "
              "SUM(cost_usd), SUM(prompt_tokens + completion_tokens) FROM ledger "
              "WHERE ts_ms >= ? GROUP BY 1, 2, 3, 4, 5, 6, 7");
  s.integer(1, since_ms);
  std::vector<SpendTotal> out;
  while (s.step()) {
    out.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                   s.column_text(4), s.column_text(5), s.column_int(6), s.column_real(7),
                   static_cast<std::uint64_t>(s.column_int(8))});
  }
  return out;
}

std::uint64_t SqliteStore::ledger_count() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM ledger");
  s.step();
  return static_cast<std::uint64_t>(s.column_int(0));
}

void SqliteStore::put_response(const StoredResponse& r, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    Statement(db_, "DELETE FROM responses WHERE expires_at <= ?").integer(1, now_s).step();
    Statement(db_,
              "INSERT OR REPLACE INTO responses (id, owner, endpoint, created_at, expires_at, "
              "conversation, response) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .text(1, r.id)
        .text(2, r.owner)
        .text(3, r.endpoint)
        .integer(4, r.created_at)
        .integer(5, r.expires_at)
        .text(6, r.conversation)
        .text(7, r.response)
        .step();
  });
}

std::optional<StoredResponse> SqliteStore::get_response(std::string_view id, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT owner, endpoint, created_at, expires_at, conversation, response FROM "
              "responses WHERE id = ? AND expires_at > ?");
  s.text(1, id).integer(2, now_s);
  if (!s.step()) return std::nullopt;
  return StoredResponse{std::string(id), s.column_text(0), s.column_text(1), s.column_int(2),
                        s.column_int(3), s.column_text(4), s.column_text(5)};
}

bool SqliteStore::delete_response(std::string_view id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "DELETE FROM responses WHERE id = ?");
  s.text(1, id).step();
  return sqlite3_changes(db_) > 0;
}

}  // namespace sluice::stores::sqlite

namespace sluice::stores::sqlite {

std::int64_t SqliteStore::control_version() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT value FROM meta WHERE name = 'control_version'");
  return s.step() ? s.column_int(0) : 0;
}

void SqliteStore::bump_control_version(std::int64_t expected) {
  // Inside the caller's BEGIN IMMEDIATE: no other writer runs between this check and the write.
  Statement s(db_,
              "UPDATE meta SET value = value + 1 WHERE name = 'control_version' AND value = ?");
  s.integer(1, expected);
  s.step();
  if (sqlite3_changes(db_) == 0) throw ControlConflict();
}

void SqliteStore::insert_audit(const AuditRecord& a) {
  Statement s(db_,
              "INSERT INTO audit (ts_ms, actor, action, kind, name, workspace, before_json, "
              "after_json) VALUES (?,?,?,?,?,?,?,?)");
  s.integer(1, a.ts_ms).text(2, a.actor).text(3, a.action).text(4, a.kind).text(5, a.name);
  s.text(6, a.workspace).text(7, a.before).text(8, a.after);
  s.step();
}

config::StoredConfig SqliteStore::load_control() {
  std::lock_guard lock(mutex_);
  config::StoredConfig out;
  // One read transaction: the rows and the version they belong to.
  exec("BEGIN");
  struct End {
    sqlite3* db;
    ~End() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }  // a read: nothing to lose
  } end{db_};
  {
    Statement v(db_, "SELECT value FROM meta WHERE name = 'control_version'");
    out.version = v.step() ? v.column_int(0) : 0;
  }
  Statement o(db_,
              "SELECT kind, name, workspace, body, created_at, updated_at FROM config_objects "
              "ORDER BY kind, name");
  while (o.step()) {
    out.objects.push_back({o.column_text(0), o.column_text(1), o.column_text(2), o.column_text(3),
                           o.column_int(4), o.column_int(5)});
  }
  Statement s(db_,
              "SELECT name, workspace, key_id, nonce, ciphertext, created_at, updated_at FROM "
              "secrets ORDER BY name");
  while (s.step()) {
    out.secrets.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                           s.column_text(4), s.column_int(5), s.column_int(6)});
  }
  return out;
}

void SqliteStore::put_object(const config::StoredObject& o, const AuditRecord& audit,
                             std::int64_t expected_version) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    bump_control_version(expected_version);
    Statement s(db_,
                "INSERT INTO config_objects (kind, name, workspace, body, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (kind, name) DO UPDATE SET "
                "workspace = excluded.workspace, body = excluded.body, "
                "updated_at = excluded.updated_at");
    s.text(1, o.kind).text(2, o.name).text(3, o.workspace).text(4, o.body);
    s.integer(5, o.created_at).integer(6, o.updated_at);
    s.step();
    insert_audit(audit);
  });
}

bool SqliteStore::delete_object(std::string_view kind, std::string_view name,
                                const AuditRecord& audit, std::int64_t expected_version) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    bump_control_version(expected_version);
    Statement s(db_, "DELETE FROM config_objects WHERE kind = ? AND name = ?");
    s.text(1, kind).text(2, name);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) insert_audit(audit);
    return changed;
  });
}

void SqliteStore::put_secret(const config::SealedSecret& v, const AuditRecord& audit,
                             std::int64_t expected_version) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    bump_control_version(expected_version);
    Statement s(db_,
                "INSERT INTO secrets (name, workspace, key_id, nonce, ciphertext, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
                "workspace = excluded.workspace, key_id = excluded.key_id, "
                "nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
                "updated_at = excluded.updated_at");
    s.text(1, v.name).text(2, v.workspace).text(3, v.key_id).text(4, v.nonce);
    s.text(5, v.ciphertext).integer(6, v.created_at).integer(7, v.updated_at);
    s.step();
    insert_audit(audit);
  });
}

bool SqliteStore::delete_secret(std::string_view name, const AuditRecord& audit,
                                std::int64_t expected_version) {
  std::lock_guard lock(mutex_);
  return transaction([&] {
    bump_control_version(expected_version);
    Statement s(db_, "DELETE FROM secrets WHERE name = ?");
    s.text(1, name);
    s.step();
    const bool changed = sqlite3_changes(db_) > 0;
    if (changed) insert_audit(audit);
    return changed;
  });
}

void SqliteStore::replace_secrets(std::span<const config::SealedSecret> secrets,
                                  std::span<const config::StoredObject> objects,
                                  const AuditRecord& audit, std::int64_t expected_version) {
  std::lock_guard lock(mutex_);
  transaction([&] {
    bump_control_version(expected_version);
    Statement s(db_,
                "UPDATE secrets SET key_id = ?2, nonce = ?3, ciphertext = ?4, updated_at = ?5 "
                "WHERE name = ?1");
    for (const auto& v : secrets) {
      s.text(1, v.name).text(2, v.key_id).text(3, v.nonce).text(4, v.ciphertext);
      s.integer(5, v.updated_at);
      s.step();
      s.reset();
    }
    Statement o(
        db_, "UPDATE config_objects SET body = ?3, updated_at = ?4 WHERE kind = ?1 AND name = ?2");
    for (const auto& v : objects) {
      o.text(1, v.kind).text(2, v.name).text(3, v.body).integer(4, v.updated_at);
      o.step();
      o.reset();
    }
    insert_audit(audit);
  });
}

void SqliteStore::append_audit(const AuditRecord& audit) {
  std::lock_guard lock(mutex_);
  insert_audit(audit);
}

std::vector<AuditRecord> SqliteStore::audit(const AuditQuery& q) {
  std::string sql =
      "SELECT id, ts_ms, actor, action, kind, name, workspace, before_json, after_json FROM audit "
      "WHERE ts_ms >= ?1 AND ts_ms < ?2";
  if (!q.kind.empty()) sql += " AND kind = ?3";
  if (!q.name.empty()) sql += " AND name = ?4";
  if (q.workspace) sql += " AND workspace = ?6";
  sql += " ORDER BY id DESC LIMIT ?5";
  std::lock_guard lock(mutex_);
  Statement s(db_, sql.c_str());
  s.integer(1, q.since_ms).integer(2, q.until_ms).text(3, q.kind).text(4, q.name);
  s.integer(5, static_cast<std::int64_t>(q.limit)).text(6, q.workspace.value_or(""));
  std::vector<AuditRecord> out;
  while (s.step()) {
    out.push_back({s.column_int(0), s.column_int(1), s.column_text(2), s.column_text(3),
                   s.column_text(4), s.column_text(5), s.column_text(6), s.column_text(7),
                   s.column_text(8)});
  }
  return out;
}

}  // namespace sluice::stores::sqlite
