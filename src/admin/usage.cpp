// /admin/usage: the ledger as time series for charts — requests, errors, tokens, cost, what the
// cache saved and latency percentiles per time bucket, one series per endpoint, model, provider,
// key, team or user (or one for everything).
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <map>

#include "admin/scope.hpp"
#include "admin/support.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;
using stores::kUsageLatencyBoundsMs;
using stores::UsageRow;

namespace {

// More buckets than a chart can show: refused rather than answered slowly.
constexpr std::int64_t kMaxBuckets = 10'000;

// The p-quantile (0 < p < 1) of a row's latency histogram, interpolated linearly inside the
// bucket it falls in, as Prometheus' histogram_quantile does; beyond the last bound, that bound.
// nullopt when no latency is known. `timed` rows, `at_most` cumulative per bound.
using Histogram = std::array<std::uint64_t, kUsageLatencyBoundsMs.size()>;
std::optional<double> percentile(std::uint64_t timed, const Histogram& at_most, double p) {
  if (timed == 0) return std::nullopt;
  const double rank = p * static_cast<double>(timed);
  double lower = 0;
  std::uint64_t below = 0;
  for (std::size_t b = 0; b < kUsageLatencyBoundsMs.size(); ++b) {
    if (static_cast<double>(at_most[b]) >= rank) {
      const auto in_bucket = static_cast<double>(at_most[b] - below);
      if (in_bucket == 0) return lower;
      return lower +
             (kUsageLatencyBoundsMs[b] - lower) * ((rank - static_cast<double>(below)) / in_bucket);
    }
    lower = kUsageLatencyBoundsMs[b];
    below = at_most[b];
  }
  return kUsageLatencyBoundsMs.back();
}

void add(UsageRow& into, const UsageRow& r) {
  into.requests += r.requests;
  into.errors += r.errors;
  into.prompt_tokens += r.prompt_tokens;
  into.completion_tokens += r.completion_tokens;
  into.cached_tokens += r.cached_tokens;
  into.reasoning_tokens += r.reasoning_tokens;
  into.cache_write_tokens += r.cache_write_tokens;
  into.cost_usd += r.cost_usd;
  into.saved_usd += r.saved_usd;
  into.timed += r.timed;
  for (std::size_t b = 0; b < into.at_most.size(); ++b) into.at_most[b] += r.at_most[b];
  into.first_token_timed += r.first_token_timed;
  for (std::size_t b = 0; b < into.first_token_at_most.size(); ++b)
    into.first_token_at_most[b] += r.first_token_at_most[b];
}

std::optional<double> percentile(const UsageRow& r, double p) {
  return percentile(r.timed, r.at_most, p);
}

// Milliseconds with at most three decimals (microseconds), as JSON numbers stay short.
double ms(double v) { return std::round(v * 1000.0) / 1000.0; }

json::value percentiles_json(std::uint64_t timed, const Histogram& at_most) {
  const auto p50 = percentile(timed, at_most, 0.50), p95 = percentile(timed, at_most, 0.95),
             p99 = percentile(timed, at_most, 0.99);
  if (!p50) return nullptr;
  return json::object{{"p50", ms(*p50)}, {"p95", ms(*p95)}, {"p99", ms(*p99)}};
}

json::object figures(const UsageRow& r) {
  return json::object{{"requests", r.requests},
                      {"errors", r.errors},
                      {"prompt_tokens", r.prompt_tokens},
                      {"completion_tokens", r.completion_tokens},
                      {"cached_tokens", r.cached_tokens},
                      {"reasoning_tokens", r.reasoning_tokens},
                      {"cache_write_tokens", r.cache_write_tokens},
                      {"cost_usd", r.cost_usd},
                      {"saved_usd", r.saved_usd},
                      {"latency_ms", percentiles_json(r.timed, r.at_most)},
                      {"ttft_ms", percentiles_json(r.first_token_timed, r.first_token_at_most)}};
}

std::string iso8601(std::int64_t ms_since_epoch) {
  const std::time_t t = ms_since_epoch / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string csv_latency(const std::optional<double>& v) {
  if (!v) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *v);
  return buf;
}

}  // namespace

AdminAnswer usage(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  stores::UsageQuery q;
  std::string by_name, bucket = "1h", since, until, format;
  json::object filters;  // echoed in the answer
  if (auto bad =
          read_ledger_query(req.query,
                            {{"by", &by_name},
                             {"bucket", &bucket},
                             {"since", &since},
                             {"until", &until},
                             {"format", &format}},
                            q.where, filters, "/admin/usage", "by, bucket, since, until, format"))
    return *bad;
  if (auto e = confine_ledger(req, q.where)) return fail(*e);
  if (!by_name.empty()) {
    q.by = stores::spend_by_named(by_name);
    if (!q.by || *q.by == stores::SpendBy::kDay)
      return fail(Error::invalid(
          "'by' must be endpoint, model, provider, key, team, user or workspace (or left out).",
          "by"));
  }
  const auto bucket_ms = duration_ms(bucket);
  if (!bucket_ms || *bucket_ms <= 0 || *bucket_ms > 366LL * 86'400'000)
    return fail(Error::invalid("'bucket' must look like 1h, 15m or 1d (at most 366d).", "bucket"));
  q.bucket_ms = *bucket_ms;
  const std::int64_t now = now_ms();
  const auto from = since_ms(since, now);
  if (!from)
    return fail(Error::invalid("'since' must look like 7d, 24h, 30m or 2026-11-01.", "since"));
  q.since_ms = *from;
  q.until_ms = now + 1;  // this very millisecond's records too
  if (!until.empty()) {
    const auto to = since_ms(until, now);
    if (!to)
      return fail(Error::invalid("'until' must look like 7d, 24h, 30m or 2026-11-01.", "until"));
    q.until_ms = *to;
  }
  if (q.until_ms <= q.since_ms)
    return fail(Error::invalid("'until' must be later than 'since'.", "until"));
  if ((q.until_ms - q.since_ms) / q.bucket_ms > kMaxBuckets)
    return fail(Error::invalid("That range holds more than " + std::to_string(kMaxBuckets) +
                                   " buckets: choose a larger 'bucket' or a shorter range.",
                               "bucket"));
  if (!format.empty() && format != "json" && format != "csv")
    return fail(Error::invalid("'format' must be json or csv.", "format"));
  if (runtime.ledger() != nullptr) runtime.ledger()->flush();  // include what is still queued
  const auto rows = runtime.store()->usage(q);
  const std::string group = by_name.empty() ? "group" : by_name;

  if (format == "csv") {
    AdminAnswer a;
    a.content_type = "text/csv; charset=utf-8";
    a.body = "bucket_start," + group +
             ",requests,errors,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,"
             "cache_write_tokens,cost_usd,saved_usd,latency_p50_ms,latency_p95_ms,"
             "latency_p99_ms,ttft_p50_ms,ttft_p95_ms\n";
    for (const auto& r : rows) {
      a.body += iso8601(r.bucket_start_ms) + "," + csv_field(r.group) + "," +
                std::to_string(r.requests) + "," + std::to_string(r.errors) + "," +
                std::to_string(r.prompt_tokens) + "," + std::to_string(r.completion_tokens) + "," +
                std::to_string(r.cached_tokens) + "," + std::to_string(r.reasoning_tokens) + "," +
                std::to_string(r.cache_write_tokens) + "," + money(r.cost_usd) + "," +
                money(r.saved_usd) + "," + csv_latency(percentile(r, 0.50)) + "," +
                csv_latency(percentile(r, 0.95)) + "," + csv_latency(percentile(r, 0.99)) + "," +
                csv_latency(percentile(r.first_token_timed, r.first_token_at_most, 0.50)) + "," +
                csv_latency(percentile(r.first_token_timed, r.first_token_at_most, 0.95)) + "\n";
    }
    return a;
  }
  // One series per group, its points in time order (the store sorts by bucket, then group).
  std::map<std::string, std::pair<json::array, UsageRow>> series;
  UsageRow total;
  for (const auto& r : rows) {
    auto& [points, sum] = series[r.group];
    json::object point = figures(r);
    point.emplace("start_ms", r.bucket_start_ms);
    points.push_back(std::move(point));
    add(sum, r);
    add(total, r);
  }
  json::array out_series;
  for (auto& [name, s] : series) {
    json::object o;
    if (q.by) o[group] = name;
    o["totals"] = figures(s.second);
    o["points"] = std::move(s.first);
    out_series.push_back(std::move(o));
  }
  json::object out{{"object", "usage"},
                   {"by", q.by ? json::value(by_name) : json::value(nullptr)},
                   {"bucket_ms", q.bucket_ms},
                   {"since_ms", q.since_ms},
                   {"until_ms", q.until_ms}};
  if (!filters.empty()) out["filters"] = std::move(filters);
  out["totals"] = figures(total);
  out["series"] = std::move(out_series);
  return json_answer(200, out);
}

}  // namespace sluice::admin
