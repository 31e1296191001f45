#pragma once
// Where keys and the spend ledger are kept: a SQLite file by default (stores/sqlite/), PostgreSQL
// for several replicas (stores/postgres/). Calls block:
// they run on the ledger's writer thread, the blocking pool, or the CLI, never on an event loop.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/governance.hpp"

namespace sluice::stores {

struct LedgerEntry {
  std::int64_t ts_ms = 0;
  std::string request_id;
  std::string key_id;
  std::string team;
  std::string user;
  std::string endpoint;
  std::string provider;
  std::string model;
  std::string workspace{};  // the key's ("" the default workspace)
  unsigned status = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_tokens = 0;
  std::uint64_t reasoning_tokens = 0;
  std::uint64_t cache_write_tokens = 0;
  double cost_usd = 0;
  bool priced = true;
  double saved_usd = 0;  // answered from the response cache: what the provider would have cost
  // What guardrails did: a JSON array of {name, action, entity, on, count}; "" when none acted.
  std::string guardrails{};
  double latency_ms = 0;  // request read to answer end, as the client saw it
  double ttft_ms = -1;    // streams: request read to the first content sent; -1 none (NULL)
};

enum class SpendBy { kKey, kTeam, kUser, kEndpoint, kModel, kProvider, kWorkspace, kDay };
std::optional<SpendBy> spend_by_named(std::string_view name);
// The ledger column a grouping reads (the same in every store); empty for kDay, which each
// store computes from ts_ms in its own SQL dialect.
std::string_view ledger_column(SpendBy by);

// What /admin/spend asks of the ledger: rows from since_ms up to until_ms (exclusive), only those
// whose columns equal each `where` value (a key id, team, …; never kDay), grouped by `by` and,
// with per_day, by UTC day too.
struct SpendQuery {
  SpendBy by = SpendBy::kKey;
  std::int64_t since_ms = 0;
  std::optional<std::int64_t> until_ms{};
  bool per_day = false;
  std::vector<std::pair<SpendBy, std::string>> where{};
};

struct SpendRow {
  std::string group;  // the key id, team, … or the day (YYYY-MM-DD)
  std::string day;    // with per-day rows: YYYY-MM-DD
  std::uint64_t requests = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  double cost_usd = 0;
  double saved_usd = 0;  // what cache hits would have cost
};

// What /admin/usage asks of the ledger: a time series from since_ms up to until_ms (exclusive)
// in buckets of bucket_ms aligned to the epoch (1h buckets start on the hour, UTC), one series
// per `by` value (none: one series for everything), rows filtered like SpendQuery's.
struct UsageQuery {
  std::optional<SpendBy> by{};  // never kDay
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  std::int64_t bucket_ms = 3'600'000;
  std::vector<std::pair<SpendBy, std::string>> where{};
};

// The upper bounds of the latency histogram a usage row carries, in ms; percentiles are read
// from it (as Prometheus' histogram_quantile does).
inline constexpr std::array<double, 16> kUsageLatencyBoundsMs = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, 30000, 60000, 120000, 300000};

struct UsageRow {
  std::int64_t bucket_start_ms = 0;
  std::string group;  // the `by` value; "" without `by`
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;  // status 400 and above (the client's and the providers')
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  std::uint64_t reasoning_tokens = 0, cache_write_tokens = 0;
  double cost_usd = 0;
  double saved_usd = 0;
  // Rows with a known latency (records from before latency was kept have none), and how many of
  // them took at most each bound of kUsageLatencyBoundsMs (cumulative).
  std::uint64_t timed = 0;
  std::array<std::uint64_t, kUsageLatencyBoundsMs.size()> at_most{};
  // The same for the time to first token of streamed answers (rows with a ttft_ms).
  std::uint64_t first_token_timed = 0;
  std::array<std::uint64_t, kUsageLatencyBoundsMs.size()> first_token_at_most{};
};

// The SELECT for a UsageQuery, the same in SQLite and PostgreSQL: `param(n)` writes the n-th
// (1-based) placeholder. Its parameters, in order: since_ms, until_ms, bucket_ms, then each
// `where` value (text). Columns: bucket index (ts_ms / bucket_ms), group, requests, errors,
// the five token sums, cost, saved, timed, one per latency bound, first_token_timed, then one per
// latency bound for the time to first token.
std::string usage_sql(const UsageQuery& q, const std::function<std::string(int)>& param);

// One row of usage_sql()'s result, read through the store's own column getters
// (`integer(column)` → int64, `text(column)` → string, `real(column)` → double).
template <class Integer, class Text, class Real>
UsageRow usage_row(std::int64_t bucket_ms, Integer&& integer, Text&& text, Real&& real) {
  auto count = [&](int column) { return static_cast<std::uint64_t>(integer(column)); };
  UsageRow r;
  r.bucket_start_ms = integer(0) * bucket_ms;
  r.group = text(1);
  r.requests = count(2);
  r.errors = count(3);
  r.prompt_tokens = count(4);
  r.completion_tokens = count(5);
  r.cached_tokens = count(6);
  r.reasoning_tokens = count(7);
  r.cache_write_tokens = count(8);
  r.cost_usd = real(9);
  r.saved_usd = real(10);
  r.timed = count(11);
  for (std::size_t b = 0; b < r.at_most.size(); ++b) r.at_most[b] = count(12 + static_cast<int>(b));
  const int ttft = 12 + static_cast<int>(r.at_most.size());
  r.first_token_timed = count(ttft);
  for (std::size_t b = 0; b < r.first_token_at_most.size(); ++b)
    r.first_token_at_most[b] = count(ttft + 1 + static_cast<int>(b));
  return r;
}

// One request as the payload log keeps it (request_log table; config/request_log.hpp). Never a
// key or a header: the key's id, and the prompt and answer as the guardrails left them (masked
// again by the writer when `redact: [pii]`).
struct RequestRecord {
  std::int64_t ts_ms = 0;
  std::string request_id;
  std::string api;  // openai, anthropic, responses, mlflow
  std::string method, path;
  std::string endpoint, route, provider, model;
  std::string key_id, team, user;
  std::string workspace;  // the key's ("" the default workspace)
  unsigned status = 0;
  bool stream = false;
  double latency_ms = 0;
  double ttft_ms = -1;  // streams: time to the first content; -1 when none
  std::uint64_t prompt_tokens = 0, completion_tokens = 0;
  double cost_usd = 0;
  bool cache_hit = false;
  std::string error;
  std::string attempts;                       // JSON array: [{destination, status, ms, outcome}]
  std::string guardrails;                     // JSON array as in the ledger; "" when none acted
  std::string trace_id;                       // hex, when the request was traced
  std::optional<std::string> prompt, answer;  // absent: not captured
  bool truncated = false;                     // the prompt or the answer was cut at max_bytes
};

// GET /admin/requests: the newest first, at most `limit`, records from since_ms up to until_ms
// whose columns equal the filters (`workspace` only when set: "" is the default workspace).
struct RequestQuery {
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  std::string key_id, endpoint;
  std::optional<std::string> workspace;
  std::optional<unsigned> status;
  std::size_t limit = 100;
};

// The request_log columns in the order the helpers below bind and read them.
inline constexpr const char* kRequestColumns =
    "ts_ms, request_id, api, method, path, endpoint, route, provider, model, key_id, team, "
    "user_name, status, stream, latency_ms, ttft_ms, prompt_tokens, completion_tokens, cost_usd, "
    "cache_hit, error, attempts, guardrails, trace_id, prompt, answer, truncated, workspace";
inline constexpr int kRequestColumnCount = 28;
// The same columns with no payload (NULL for prompt and answer): what a list reads.
inline constexpr const char* kRequestListColumns =
    "ts_ms, request_id, api, method, path, endpoint, route, provider, model, key_id, team, "
    "user_name, status, stream, latency_ms, ttft_ms, prompt_tokens, completion_tokens, cost_usd, "
    "cache_hit, error, attempts, guardrails, trace_id, NULL, NULL, truncated, workspace";

// Binds a record's columns in kRequestColumns order through `b` (text, integer, real, boolean,
// null: each takes the next parameter).
template <class Binder>
void bind_request_record(Binder& b, const RequestRecord& r) {
  b.integer(r.ts_ms);
  for (const std::string* t : {&r.request_id, &r.api, &r.method, &r.path, &r.endpoint, &r.route,
                               &r.provider, &r.model, &r.key_id, &r.team, &r.user})
    b.text(*t);
  b.integer(r.status);
  b.boolean(r.stream);
  b.real(r.latency_ms);
  if (r.ttft_ms >= 0)
    b.real(r.ttft_ms);
  else
    b.null();
  b.integer(static_cast<std::int64_t>(r.prompt_tokens));
  b.integer(static_cast<std::int64_t>(r.completion_tokens));
  b.real(r.cost_usd);
  b.boolean(r.cache_hit);
  for (const std::string* t : {&r.error, &r.attempts, &r.guardrails, &r.trace_id}) b.text(*t);
  for (const auto* t : {&r.prompt, &r.answer}) {
    if (*t)
      b.text(**t);
    else
      b.null();
  }
  b.boolean(r.truncated);
  b.text(r.workspace);
}

// Reads a row selected as kRequestColumns through `row` (text, integer, real, boolean, null,
// each given the column); `whole`: with the prompt and the answer.
template <class Row>
RequestRecord read_request_record(const Row& row, bool whole) {
  RequestRecord r;
  r.ts_ms = row.integer(0);
  std::string* texts[] = {&r.request_id, &r.api,   &r.method, &r.path, &r.endpoint, &r.route,
                          &r.provider,   &r.model, &r.key_id, &r.team, &r.user};
  for (int i = 0; i < 11; ++i) *texts[i] = row.text(1 + i);
  r.status = static_cast<unsigned>(row.integer(12));
  r.stream = row.boolean(13);
  r.latency_ms = row.real(14);
  r.ttft_ms = row.null(15) ? -1 : row.real(15);
  r.prompt_tokens = static_cast<std::uint64_t>(row.integer(16));
  r.completion_tokens = static_cast<std::uint64_t>(row.integer(17));
  r.cost_usd = row.real(18);
  r.cache_hit = row.boolean(19);
  r.error = row.text(20);
  r.attempts = row.text(21);
  r.guardrails = row.text(22);
  r.trace_id = row.text(23);
  if (whole) {
    if (!row.null(24)) r.prompt = row.text(24);
    if (!row.null(25)) r.answer = row.text(25);
  }
  r.truncated = row.boolean(26);
  r.workspace = row.text(27);
  return r;
}

// Spend since a time, summed per (key, team, user, endpoint, provider, workspace, UTC day): what
// the in-memory budget view is rebuilt from at start.
struct SpendTotal {
  std::string key_id, team, user, endpoint, provider;
  std::string workspace;
  std::int64_t day = 0;  // days since the epoch
  double cost_usd = 0;
  std::uint64_t tokens = 0;  // prompt + completion, for token budgets
};

class GovernanceStore {
 public:
  virtual ~GovernanceStore() = default;
  virtual std::vector<config::KeySpec> load_keys() = 0;
  // Changes whenever a key or a budget is added, changed or removed, by any process. (The
  // database row is still named keys_version, from before budgets were kept here.)
  virtual std::int64_t version() = 0;
  virtual void insert_key(const config::KeySpec& key) = 0;  // throws when the id or hash exists
  virtual bool update_key(const config::KeySpec& key) = 0;  // false: no such id
  virtual bool delete_key(std::string_view id) = 0;
  // Budgets made through the admin API (config budgets are not stored).
  virtual std::vector<config::BudgetSpec> load_budgets() = 0;
  virtual void insert_budget(const config::BudgetSpec& budget) = 0;  // throws when the id exists
  virtual bool update_budget(const config::BudgetSpec& budget) = 0;  // false: no such id
  virtual bool delete_budget(std::string_view id) = 0;
  virtual void append(std::span<const LedgerEntry> entries) = 0;  // one transaction
  virtual std::vector<SpendRow> spend(const SpendQuery& query) = 0;
  virtual std::vector<UsageRow> usage(const UsageQuery& query) = 0;  // by bucket, then group
  // The payload log. append_requests: one transaction. find_requests: without prompt and answer.
  // request: the newest record of that id, whole. prune_requests: deletes records older than
  // before_ms, returns how many.
  virtual void append_requests(std::span<const RequestRecord> records) = 0;
  virtual std::vector<RequestRecord> find_requests(const RequestQuery& query) = 0;
  // `workspace` set: only a record of that workspace (a client picks its request ids, so another
  // workspace's record of the same id must not hide this one's).
  virtual std::optional<RequestRecord> request(
      std::string_view request_id, const std::optional<std::string>& workspace = std::nullopt) = 0;
  virtual std::uint64_t prune_requests(std::int64_t before_ms) = 0;
  virtual std::vector<SpendTotal> totals_since(std::int64_t since_ms) = 0;
  virtual std::uint64_t ledger_count() = 0;
  // True when other gateways write to the same ledger, so the spend view must re-read
  // totals_since() (which is then cheap) to see what they spent.
  virtual bool shared_between_replicas() const { return false; }
};

}  // namespace sluice::stores
