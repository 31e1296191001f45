#include "stores/postgres/postgres_store.hpp"

#include <chrono>
#include <ctime>
#include <map>
#include <tuple>
#include <type_traits>

#include "stores/key_json.hpp"
#include "stores/postgres/migrations.hpp"
#include "stores/postgres/pg_array.hpp"
#include "util/digest.hpp"

namespace sluice::stores::postgres {

namespace {

// Any constant will do, as long as it is the same in every sluice: it names the lock replicas
// take to migrate one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7283150214)";

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Runs `work` in one transaction on `c`, rolled back if it throws.
template <typename Work>
auto transaction(Connection& c, Work&& work) -> decltype(work()) {
  c.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(work())>) {
      work();
      c.exec("COMMIT");
    } else {
      auto result = work();
      c.exec("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      c.exec("ROLLBACK");
    } catch (...) {
      // The connection itself failed; it is reopened on its next use, which ends the
      // transaction on the server too.
    }
    throw;
  }
}

Params key_params(const config::KeySpec& k) {
  Params p;
  p.text(k.id).text(k.name).text(k.hash).text(k.prefix).text(k.user).text(k.team);
  p.text(stores::globs_to_json(k.endpoints)).text(stores::globs_to_json(k.models));
  if (k.expires_at) {
    p.integer(*k.expires_at);
  } else {
    p.null();
  }
  p.boolean(k.disabled).text(k.metadata).text(stores::limits_to_json(k.limits));
  if (k.budget) {
    p.text(stores::budget_to_json(*k.budget));
  } else {
    p.null();
  }
  p.integer(k.created_at ? k.created_at : now_s()).integer(now_s());
  if (k.cache) {
    p.text(stores::key_cache_to_json(*k.cache));
  } else {
    p.null();
  }
  p.text(stores::globs_to_json(k.guardrails));  // (a list of names, stored as globs are)
  p.text(k.workspace);
  p.text(k.admin ? "admin" : "");
  return p;
}

void bump_version(Connection& c) {
  c.prepared("bump_version", "UPDATE meta SET value = value + 1 WHERE name = 'keys_version'",
             Params());
}

constexpr const char* kInsertLedger =
    "INSERT INTO ledger (ts_ms, request_id, key_id, team, user_name, endpoint, provider, model, "
    "status, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, "
    "cache_write_tokens, cost_usd, priced, saved_usd, guardrails, latency_ms, workspace, ttft_ms) "
    "SELECT * "
    "FROM "
    "unnest($1::bigint[], "
    "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
    "$9::integer[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], "
    "$15::double precision[], $16::boolean[], $17::double precision[], $18::text[], "
    "$19::double precision[], $20::text[], $21::double precision[])";

constexpr const char* kAddToDaily =
    "INSERT INTO spend_daily AS s (day, key_id, team, user_name, endpoint, provider, workspace, "
    "requests, cost_usd, tokens) SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], "
    "$4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::double precision[], "
    "$10::bigint[]) "
    "ON CONFLICT (day, key_id, team, user_name, endpoint, provider, workspace) DO UPDATE SET "
    "requests = s.requests + excluded.requests, cost_usd = s.cost_usd + excluded.cost_usd, "
    "tokens = s.tokens + excluded.tokens";

}  // namespace

template <typename Work>
auto PostgresStore::with_connection(Work&& work) -> decltype(work(std::declval<Connection&>())) {
  auto c = pool_.acquire();
  const std::uint64_t before = c->succeeded();
  try {
    return work(*c);
  } catch (const PgError&) {
    if (!c->lost() || c->succeeded() != before) throw;
  }
  return work(*c);
}

PostgresStore::PostgresStore(const std::string& url, std::size_t connections)
    : pool_(url, connections) {
  migrate();
}

void PostgresStore::migrate() {
  return with_connection([&](Connection& c) {
    transaction(c, [&] {
      c.exec(kMigrationLock);
      c.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
          "NOT NULL, applied_at BIGINT NOT NULL)");
      const auto have = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", Params())
                            .integer(0, 0);
      for (const Migration& m : migrations()) {
        if (m.version <= have) continue;
        c.exec(std::string(m.sql).c_str());
        c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                Params().integer(m.version).text(m.name).integer(now_s()));
      }
    });
  });
}

int PostgresStore::schema_version() {
  return with_connection([&](Connection& c) {
    return static_cast<int>(
        c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", Params()).integer(0, 0));
  });
}

std::vector<config::KeySpec> PostgresStore::load_keys() {
  return with_connection([&](Connection& c) {
    const Result r = c.prepared(
        "load_keys",
        "SELECT id, name, hash, prefix, user_name, team, endpoints, models, expires_at, disabled, "
        "metadata, limits, budget, created_at, cache, guardrails, workspace, role FROM keys ORDER "
        "BY "
        "created_at, id",
        Params());
    std::vector<config::KeySpec> out;
    for (int i = 0; i < r.rows(); ++i) {
      config::KeySpec k;
      k.id = r.text(i, 0);
      k.name = r.text(i, 1);
      k.hash = r.text(i, 2);
      k.prefix = r.text(i, 3);
      k.user = r.text(i, 4);
      k.team = r.text(i, 5);
      k.endpoints = stores::globs_from_json(r.text(i, 6));
      k.models = stores::globs_from_json(r.text(i, 7));
      if (!r.null(i, 8)) k.expires_at = r.integer(i, 8);
      k.disabled = r.boolean(i, 9);
      k.metadata = r.text(i, 10);
      k.limits = stores::limits_from_json(r.text(i, 11), k.id);
      if (!r.null(i, 12)) k.budget = stores::budget_from_json(r.text(i, 12), k.id);
      k.created_at = r.integer(i, 13);
      if (!r.null(i, 14)) k.cache = stores::key_cache_from_json(r.text(i, 14));
      k.guardrails = stores::globs_from_json(r.text(i, 15));
      k.workspace = r.text(i, 16);
      k.admin = r.text(i, 17) == "admin";
      out.push_back(std::move(k));
    }
    return out;
  });
}

std::int64_t PostgresStore::version() {
  return with_connection([&](Connection& c) {
    const Result r =
        c.prepared("keys_version", "SELECT value FROM meta WHERE name = 'keys_version'", Params());
    return r.rows() ? r.integer(0, 0) : 0;
  });
}

void PostgresStore::insert_key(const config::KeySpec& key) {
  return with_connection([&](Connection& c) {
    transaction(c, [&] {
      c.prepared(
          "insert_key",
          "INSERT INTO keys (id, name, hash, prefix, user_name, team, endpoints, models, "
          "expires_at, disabled, metadata, limits, budget, created_at, updated_at, cache, "
          "guardrails, workspace, role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
          "$12, $13, $14, $15, $16, $17, $18, $19)",
          key_params(key));
      bump_version(c);
    });
  });
}

bool PostgresStore::update_key(const config::KeySpec& key) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      const bool changed =
          c.prepared(
               "update_key",
               "UPDATE keys SET name = $2, hash = $3, prefix = $4, user_name = $5, team = $6, "
               "endpoints = $7, models = $8, expires_at = $9, disabled = $10, metadata = $11, "
               "limits = $12, budget = $13, created_at = $14, updated_at = $15, cache = $16, "
               "guardrails = $17, workspace = $18, role = $19 WHERE id = $1",
               key_params(key))
              .affected() > 0;
      if (changed) bump_version(c);
      return changed;
    });
  });
}

bool PostgresStore::delete_key(std::string_view id) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      const bool changed =
          c.prepared("delete_key", "DELETE FROM keys WHERE id = $1", Params().text(id)).affected() >
          0;
      if (changed) bump_version(c);
      return changed;
    });
  });
}

std::vector<config::BudgetSpec> PostgresStore::load_budgets() {
  return with_connection([&](Connection& c) {
    const Result r =
        c.prepared("load_budgets",
                   "SELECT id, scope, subject, usd, per, alert_at, created_at, tokens, "
                   "on_exceed, fallback FROM budgets ORDER BY created_at, id",
                   Params());
    std::vector<config::BudgetSpec> out;
    for (int i = 0; i < r.rows(); ++i) {
      // Written by this code from validated values; a row edited into nonsense is skipped.
      auto scope = config::scope_named(r.text(i, 1));
      auto per = config::period_named(r.text(i, 4));
      auto on_exceed = config::on_exceed_named(r.text(i, 8));
      if (!scope || !per || !on_exceed) continue;
      config::BudgetSpec b;
      b.id = r.text(i, 0);
      b.scope = *scope;
      b.match = r.text(i, 2);
      if (!r.null(i, 3)) b.usd = r.real(i, 3);
      b.per = *per;
      b.alert_at = r.real(i, 5);
      b.created_at = r.integer(i, 6);
      b.tokens = static_cast<std::uint64_t>(r.integer(i, 7));
      b.on_exceed = *on_exceed;
      b.fallback = r.text(i, 9);
      out.push_back(std::move(b));
    }
    return out;
  });
}

namespace {

Params budget_params(const config::BudgetSpec& b) {
  Params p;
  p.text(b.id).text(config::scope_name(b.scope)).text(b.match);
  if (b.usd) {
    p.real(*b.usd);
  } else {
    p.null();
  }
  p.text(config::period_name(b.per)).real(b.alert_at);
  p.integer(b.created_at ? b.created_at : now_s()).integer(now_s());
  p.integer(static_cast<std::int64_t>(b.tokens)).text(config::on_exceed_name(b.on_exceed));
  p.text(b.fallback);
  return p;
}

}  // namespace

void PostgresStore::insert_budget(const config::BudgetSpec& budget) {
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      c.prepared("insert_budget",
                 "INSERT INTO budgets (id, scope, subject, usd, per, alert_at, created_at, "
                 "updated_at, tokens, on_exceed, fallback) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                 "$8, $9, $10, $11)",
                 budget_params(budget));
      bump_version(c);
    });
  });
}

bool PostgresStore::update_budget(const config::BudgetSpec& budget) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      const bool changed =
          c.prepared("update_budget",
                     "UPDATE budgets SET scope = $2, subject = $3, usd = $4, per = $5, "
                     "alert_at = $6, created_at = $7, updated_at = $8, tokens = $9, "
                     "on_exceed = $10, fallback = $11 WHERE id = $1",
                     budget_params(budget))
              .affected() > 0;
      if (changed) bump_version(c);
      return changed;
    });
  });
}

bool PostgresStore::delete_budget(std::string_view id) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      const bool changed =
          c.prepared("delete_budget", "DELETE FROM budgets WHERE id = $1", Params().text(id))
              .affected() > 0;
      if (changed) bump_version(c);
      return changed;
    });
  });
}

void PostgresStore::append(std::span<const LedgerEntry> entries) {
  if (entries.empty()) return;
  ArrayLiteral cols[21];
  // The batch summed per subject and day. Sorted, so two replicas adding to the same rows lock
  // them in the same order and cannot deadlock.
  using Subject = std::tuple<std::int64_t, std::string_view, std::string_view, std::string_view,
                             std::string_view, std::string_view, std::string_view>;
  struct Sums {
    std::int64_t requests = 0;
    double cost = 0;
    std::int64_t tokens = 0;
  };
  std::map<Subject, Sums> daily;
  for (const LedgerEntry& e : entries) {
    cols[0].integer(e.ts_ms);
    cols[1].text(e.request_id);
    cols[2].text(e.key_id);
    cols[3].text(e.team);
    cols[4].text(e.user);
    cols[5].text(e.endpoint);
    cols[6].text(e.provider);
    cols[7].text(e.model);
    cols[8].integer(e.status);
    cols[9].integer(static_cast<std::int64_t>(e.prompt_tokens));
    cols[10].integer(static_cast<std::int64_t>(e.completion_tokens));
    cols[11].integer(static_cast<std::int64_t>(e.cached_tokens));
    cols[12].integer(static_cast<std::int64_t>(e.reasoning_tokens));
    cols[13].integer(static_cast<std::int64_t>(e.cache_write_tokens));
    cols[14].real(e.cost_usd);
    cols[15].boolean(e.priced);
    cols[16].real(e.saved_usd);
    cols[17].text(e.guardrails);
    cols[18].real(e.latency_ms);
    cols[19].text(e.workspace);
    if (e.ttft_ms >= 0) {
      cols[20].real(e.ttft_ms);
    } else {
      cols[20].null();
    }
    Sums& day = daily[{e.ts_ms / 86'400'000, e.key_id, e.team, e.user, e.endpoint, e.provider,
                       e.workspace}];
    ++day.requests;
    day.cost += e.cost_usd;
    day.tokens += static_cast<std::int64_t>(e.prompt_tokens + e.completion_tokens);
  }
  Params rows;
  std::string all;  // every record, for the batch's digest
  for (auto& col : cols) {
    std::string text = std::move(col).finish();
    all += text;
    all += '\n';
    rows.text(text);
  }
  // The same records give the same digest on a retry; different batches never share one (each
  // holds its request ids and millisecond times).
  const std::string digest = util::sha256_hex(all);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ArrayLiteral day, key, team, user, endpoint, provider, workspace, requests, cost, tokens;
  for (const auto& [s, sums] : daily) {
    day.integer(std::get<0>(s));
    key.text(std::get<1>(s));
    team.text(std::get<2>(s));
    user.text(std::get<3>(s));
    endpoint.text(std::get<4>(s));
    provider.text(std::get<5>(s));
    workspace.text(std::get<6>(s));
    requests.integer(sums.requests);
    cost.real(sums.cost);
    tokens.integer(sums.tokens);
  }
  Params sums;
  for (auto* col :
       {&day, &key, &team, &user, &endpoint, &provider, &workspace, &requests, &cost, &tokens})
    sums.text(std::move(*col).finish());

  with_connection([&](Connection& c) {
    transaction(c, [&] {
      const bool first_time =
          c.prepared("claim_batch",
                     "INSERT INTO ledger_batches (digest, committed_ms) VALUES ($1, $2) "
                     "ON CONFLICT DO NOTHING",
                     Params().text(digest).integer(now_ms))
              .affected() > 0;
      // Already there: an earlier attempt committed although its COMMIT's answer was lost.
      if (!first_time) return;
      c.prepared("insert_ledger", kInsertLedger, rows);
      c.prepared("add_to_daily", kAddToDaily, sums);
      c.prepared("prune_batches", "DELETE FROM ledger_batches WHERE committed_ms < $1",
                 Params().integer(now_ms - 86'400'000));
    });
  });
}

std::vector<SpendRow> PostgresStore::spend(const SpendQuery& q) {
  static constexpr const char* kDay =
      "to_char(to_timestamp(ts_ms / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
  std::string column(ledger_column(q.by));
  if (column.empty()) column = kDay;
  std::string sql = "SELECT ";
  sql += column;
  sql += ", ";
  sql += q.per_day ? kDay : "''";
  sql +=
      ", COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), SUM(saved_usd) "
      "FROM ledger WHERE ts_ms >= $1";
  Params params;
  params.integer(q.since_ms);
  int n = 1;
  if (q.until_ms) {
    sql += " AND ts_ms < $" + std::to_string(++n);
    params.integer(*q.until_ms);
  }
  // Column names from ledger_column (a fixed list), values as parameters.
  for (const auto& [by, value] : q.where) {
    sql += " AND " + std::string(ledger_column(by)) + " = $" + std::to_string(++n);
    params.text(value);
  }
  sql += " GROUP BY 1, 2 ORDER BY 2, 6 DESC, 1";
  return with_connection([&](Connection& c) {
    const Result r = c.query(sql, params);
    std::vector<SpendRow> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.text(i, 0), r.text(i, 1), static_cast<std::uint64_t>(r.integer(i, 2)),
                     static_cast<std::uint64_t>(r.integer(i, 3)),
                     static_cast<std::uint64_t>(r.integer(i, 4)), r.real(i, 5), r.real(i, 6)});
    }
    return out;
  });
}

std::vector<UsageRow> PostgresStore::usage(const UsageQuery& q) {
  const std::string sql = usage_sql(q, [](int n) {
    std::string p(1, '$');
    return p += std::to_string(n);
  });
  Params params;
  params.integer(q.since_ms).integer(q.until_ms).integer(q.bucket_ms);
  for (const auto& w : q.where) params.text(w.second);
  return with_connection([&](Connection& c) {
    const Result r = c.query(sql, params);
    std::vector<UsageRow> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back(usage_row(
          q.bucket_ms, [&](int c) { return r.integer(i, c); }, [&](int c) { return r.text(i, c); },
          [&](int c) { return r.real(i, c); }));
    }
    return out;
  });
}

namespace {

// bind_request_record's binder and read_request_record's row over libpq parameters and results.
struct PgBinder {
  Params& p;
  void text(std::string_view v) { p.text(v); }
  void integer(std::int64_t v) { p.integer(v); }
  void real(double v) { p.real(v); }
  void boolean(bool v) { p.boolean(v); }
  void null() { p.null(); }
};
struct PgRow {
  const Result& r;
  int i;
  std::string text(int c) const { return r.text(i, c); }
  std::int64_t integer(int c) const { return r.integer(i, c); }
  double real(int c) const { return r.real(i, c); }
  bool boolean(int c) const { return r.boolean(i, c); }
  bool null(int c) const { return r.null(i, c); }
};

std::string insert_request_sql() {
  std::string sql = std::string("INSERT INTO request_log (") + kRequestColumns + ") VALUES ($1";
  for (int i = 2; i <= kRequestColumnCount; ++i) sql += ",$" + std::to_string(i);
  return sql + ")";
}

}  // namespace

void PostgresStore::append_requests(std::span<const RequestRecord> records) {
  if (records.empty()) return;
  static const std::string kInsert = insert_request_sql();
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      for (const RequestRecord& r : records) {
        Params params;
        PgBinder b{params};
        bind_request_record(b, r);
        c.prepared("insert_request", kInsert.c_str(), params);
      }
    });
  });
}

std::vector<RequestRecord> PostgresStore::find_requests(const RequestQuery& q) {
  std::string sql = std::string("SELECT ") + kRequestListColumns +
                    " FROM request_log WHERE ts_ms >= $1 AND ts_ms < $2";
  Params params;
  params.integer(q.since_ms).integer(q.until_ms);
  int n = 2;
  if (!q.key_id.empty()) {
    sql += " AND key_id = $" + std::to_string(++n);
    params.text(q.key_id);
  }
  if (!q.endpoint.empty()) {
    sql += " AND endpoint = $" + std::to_string(++n);
    params.text(q.endpoint);
  }
  if (q.status) {
    sql += " AND status = $" + std::to_string(++n);
    params.integer(*q.status);
  }
  if (q.workspace) {
    sql += " AND workspace = $" + std::to_string(++n);
    params.text(*q.workspace);
  }
  sql += " ORDER BY ts_ms DESC, id DESC LIMIT $" + std::to_string(++n);
  params.integer(static_cast<std::int64_t>(q.limit));
  return with_connection([&](Connection& c) {
    const Result r = c.query(sql, params);
    std::vector<RequestRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_request_record(PgRow{r, i}, false));
    return out;
  });
}

std::optional<RequestRecord> PostgresStore::request(std::string_view request_id,
                                                    const std::optional<std::string>& workspace) {
  const std::string sql = std::string("SELECT ") + kRequestColumns +
                          " FROM request_log WHERE request_id = $1" +
                          (workspace ? " AND workspace = $2" : "") + " ORDER BY id DESC LIMIT 1";
  return with_connection([&](Connection& c) -> std::optional<RequestRecord> {
    Params params;
    params.text(request_id);
    if (workspace) params.text(*workspace);
    const Result r = c.query(sql, params);
    if (r.rows() == 0) return std::nullopt;
    return read_request_record(PgRow{r, 0}, true);
  });
}

std::uint64_t PostgresStore::prune_requests(std::int64_t before_ms) {
  return with_connection([&](Connection& c) {
    return static_cast<std::uint64_t>(c.prepared("prune_requests",
                                                 "DELETE FROM request_log WHERE ts_ms < $1",
                                                 Params().integer(before_ms))
                                          .affected());
  });
}

std::vector<SpendTotal> PostgresStore::totals_since(std::int64_t since_ms) {
  return with_connection([&](Connection& c) {
    const Result r =
        c.prepared("totals_since",
                   "SELECT key_id, team, user_name, endpoint, provider, workspace, day, "
                   "cost_usd, tokens FROM spend_daily WHERE day >= $1",
                   Params().integer(since_ms / 86'400'000));
    std::vector<SpendTotal> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                     r.text(i, 5), r.integer(i, 6), r.real(i, 7),
                     static_cast<std::uint64_t>(r.integer(i, 8))});
    }
    return out;
  });
}

std::uint64_t PostgresStore::ledger_count() {
  return with_connection([&](Connection& c) {
    return static_cast<std::uint64_t>(
        c.prepared("ledger_count", "SELECT COUNT(*) FROM ledger", Params()).integer(0, 0));
  });
}

void PostgresStore::put_response(const StoredResponse& r, std::int64_t now_s) {
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      c.prepared("expire_responses", "DELETE FROM responses WHERE expires_at <= $1",
                 Params().integer(now_s));
      Params p;
      p.text(r.id).text(r.owner).text(r.endpoint).integer(r.created_at).integer(r.expires_at);
      p.text(r.conversation).text(r.response);
      c.prepared("put_response",
                 "INSERT INTO responses (id, owner, endpoint, created_at, expires_at, "
                 "conversation, response) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) "
                 "DO UPDATE SET owner = $2, endpoint = $3, created_at = $4, expires_at = $5, "
                 "conversation = $6, response = $7",
                 p);
    });
  });
}

std::optional<StoredResponse> PostgresStore::get_response(std::string_view id, std::int64_t now_s) {
  return with_connection([&](Connection& c) -> std::optional<StoredResponse> {
    const Result r = c.prepared("get_response",
                                "SELECT owner, endpoint, created_at, expires_at, conversation, "
                                "response FROM responses WHERE id = $1 AND expires_at > $2",
                                Params().text(id).integer(now_s));
    if (r.rows() == 0) return std::nullopt;
    return StoredResponse{std::string(id), r.text(0, 0), r.text(0, 1), r.integer(0, 2),
                          r.integer(0, 3), r.text(0, 4), r.text(0, 5)};
  });
}

bool PostgresStore::delete_response(std::string_view id) {
  return with_connection([&](Connection& c) {
    return c.prepared("delete_response", "DELETE FROM responses WHERE id = $1", Params().text(id))
               .affected() > 0;
  });
}

}  // namespace sluice::stores::postgres

namespace sluice::stores::postgres {

namespace {

void insert_audit(Connection& c, const AuditRecord& a) {
  Params p;
  p.integer(a.ts_ms).text(a.actor).text(a.action).text(a.kind).text(a.name).text(a.workspace);
  p.text(a.before).text(a.after);
  c.prepared("insert_audit",
             "INSERT INTO audit (ts_ms, actor, action, kind, name, workspace, before_json, "
             "after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             p);
}

// Moves control_version on from `expected`, first thing in the write's transaction: the row
// lock makes a concurrent writer wait, then find the version moved (ControlConflict).
void bump_control_version(Connection& c, std::int64_t expected) {
  const Result r =
      c.prepared("bump_control_version",
                 "UPDATE meta SET value = value + 1 WHERE name = 'control_version' AND value = $1",
                 Params().integer(expected));
  if (r.affected() == 0) throw ControlConflict();
}

}  // namespace

std::int64_t PostgresStore::control_version() {
  return with_connection([&](Connection& c) {
    const Result r = c.prepared("control_version",
                                "SELECT value FROM meta WHERE name = 'control_version'", Params());
    return r.rows() ? r.integer(0, 0) : 0;
  });
}

config::StoredConfig PostgresStore::load_control() {
  return with_connection([&](Connection& c) {
    config::StoredConfig out;
    // One snapshot of the database for the rows and the version they belong to.
    c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    struct End {
      Connection& c;
      ~End() {
        try {
          c.exec("COMMIT");
        } catch (...) {
          // The connection failed; it is reopened on its next use.
        }
      }
    } end{c};
    const Result v = c.prepared("control_version_read",
                                "SELECT value FROM meta WHERE name = 'control_version'", Params());
    out.version = v.rows() ? v.integer(0, 0) : 0;
    const Result o = c.prepared("load_objects",
                                "SELECT kind, name, workspace, body, created_at, updated_at FROM "
                                "config_objects ORDER BY kind, name",
                                Params());
    for (int i = 0; i < o.rows(); ++i)
      out.objects.push_back({o.text(i, 0), o.text(i, 1), o.text(i, 2), o.text(i, 3),
                             o.integer(i, 4), o.integer(i, 5)});
    const Result s = c.prepared("load_secrets",
                                "SELECT name, workspace, key_id, nonce, ciphertext, created_at, "
                                "updated_at FROM secrets ORDER BY name",
                                Params());
    for (int i = 0; i < s.rows(); ++i)
      out.secrets.push_back({s.text(i, 0), s.text(i, 1), s.text(i, 2), s.text(i, 3), s.text(i, 4),
                             s.integer(i, 5), s.integer(i, 6)});
    return out;
  });
}

void PostgresStore::put_object(const config::StoredObject& o, const AuditRecord& audit,
                               std::int64_t expected_version) {
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      bump_control_version(c, expected_version);
      Params p;
      p.text(o.kind).text(o.name).text(o.workspace).text(o.body).integer(o.created_at);
      p.integer(o.updated_at);
      c.prepared("put_object",
                 "INSERT INTO config_objects (kind, name, workspace, body, created_at, "
                 "updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, name) DO UPDATE "
                 "SET workspace = $3, body = $4, updated_at = $6",
                 p);
      insert_audit(c, audit);
    });
  });
}

bool PostgresStore::delete_object(std::string_view kind, std::string_view name,
                                  const AuditRecord& audit, std::int64_t expected_version) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      bump_control_version(c, expected_version);
      const bool changed =
          c.prepared("delete_object", "DELETE FROM config_objects WHERE kind = $1 AND name = $2",
                     Params().text(kind).text(name))
              .affected() > 0;
      if (changed) insert_audit(c, audit);
      return changed;
    });
  });
}

void PostgresStore::put_secret(const config::SealedSecret& v, const AuditRecord& audit,
                               std::int64_t expected_version) {
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      bump_control_version(c, expected_version);
      Params p;
      p.text(v.name).text(v.workspace).text(v.key_id).text(v.nonce).text(v.ciphertext);
      p.integer(v.created_at).integer(v.updated_at);
      c.prepared("put_secret",
                 "INSERT INTO secrets (name, workspace, key_id, nonce, ciphertext, created_at, "
                 "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE "
                 "SET workspace = $2, key_id = $3, nonce = $4, ciphertext = $5, updated_at = $7",
                 p);
      insert_audit(c, audit);
    });
  });
}

bool PostgresStore::delete_secret(std::string_view name, const AuditRecord& audit,
                                  std::int64_t expected_version) {
  return with_connection([&](Connection& c) {
    return transaction(c, [&] {
      bump_control_version(c, expected_version);
      const bool changed =
          c.prepared("delete_secret", "DELETE FROM secrets WHERE name = $1", Params().text(name))
              .affected() > 0;
      if (changed) insert_audit(c, audit);
      return changed;
    });
  });
}

void PostgresStore::replace_secrets(std::span<const config::SealedSecret> secrets,
                                    std::span<const config::StoredObject> objects,
                                    const AuditRecord& audit, std::int64_t expected_version) {
  with_connection([&](Connection& c) {
    transaction(c, [&] {
      bump_control_version(c, expected_version);
      for (const auto& v : secrets) {
        Params p;
        p.text(v.name).text(v.key_id).text(v.nonce).text(v.ciphertext).integer(v.updated_at);
        c.prepared("reseal_secret",
                   "UPDATE secrets SET key_id = $2, nonce = $3, ciphertext = $4, updated_at = $5 "
                   "WHERE name = $1",
                   p);
      }
      for (const auto& o : objects) {
        Params p;
        p.text(o.kind).text(o.name).text(o.body).integer(o.updated_at);
        c.prepared("reseal_object",
                   "UPDATE config_objects SET body = $3, updated_at = $4 WHERE kind = $1 AND "
                   "name = $2",
                   p);
      }
      insert_audit(c, audit);
    });
  });
}

void PostgresStore::append_audit(const AuditRecord& audit) {
  with_connection([&](Connection& c) { insert_audit(c, audit); });
}

std::vector<AuditRecord> PostgresStore::audit(const AuditQuery& q) {
  std::string sql =
      "SELECT id, ts_ms, actor, action, kind, name, workspace, before_json, after_json FROM audit "
      "WHERE ts_ms >= $1 AND ts_ms < $2";
  Params params;
  params.integer(q.since_ms).integer(q.until_ms);
  int n = 2;
  if (!q.kind.empty()) {
    sql += " AND kind = $" + std::to_string(++n);
    params.text(q.kind);
  }
  if (!q.name.empty()) {
    sql += " AND name = $" + std::to_string(++n);
    params.text(q.name);
  }
  if (q.workspace) {
    sql += " AND workspace = $" + std::to_string(++n);
    params.text(*q.workspace);
  }
  sql += " ORDER BY id DESC LIMIT $" + std::to_string(++n);
  params.integer(static_cast<std::int64_t>(q.limit));
  return with_connection([&](Connection& c) {
    const Result r = c.query(sql, params);
    std::vector<AuditRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.integer(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                     r.text(i, 5), r.text(i, 6), r.text(i, 7), r.text(i, 8)});
    }
    return out;
  });
}

}  // namespace sluice::stores::postgres
