#include "observability/access_log.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "observability/metrics.hpp"
#include "util/json_write.hpp"

namespace sluice::observability {
namespace json = boost::json;

namespace {

// The time as ISO 8601 UTC with milliseconds, quoted. The part down to the second is formatted
// once a second per thread (gmtime_r and snprintf per request showed in profiles).
void append_now_iso8601(std::string& out) {
  thread_local std::time_t formatted_second = -1;
  thread_local char prefix[32];  // "2026-11-30T22:27:17." and its length below
  thread_local std::size_t prefix_size = 0;
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  if (secs != formatted_second) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const int n =
        std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    prefix_size = n > 0 ? std::min(static_cast<std::size_t>(n), sizeof prefix - 1) : 0;
    formatted_second = secs;
  }
  out += '"';
  out.append(prefix, prefix_size);
  const char digits[4] = {static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                          static_cast<char>('0' + ms % 10), 'Z'};
  out.append(digits, 4);
  out += '"';
}

// The key of the next member, with its comma.
void key(std::string& out, std::string_view name) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
}

void add(std::string& out, std::string_view name, std::string_view raw_value) {
  key(out, name);
  out += raw_value;
}

// A JSON string member (null when empty), written in place.
void add_quoted(std::string& out, std::string_view name, std::string_view s) {
  key(out, name);
  if (s.empty()) {
    out += "null";
  } else {
    util::append_json_string(out, s);
  }
}

// Fixed three decimals: Boost.JSON would print doubles in exponent form (1.89E-1). to_chars,
// not printf: this runs three times per request and printf's float path showed in profiles.
void add_millis(std::string& out, std::string_view name, double v) {
  key(out, name);
  char buf[32];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3).ptr);
}

void add_count(std::string& out, std::string_view name, const std::optional<std::uint64_t>& v) {
  key(out, name);
  if (!v) {
    out += "null";
    return;
  }
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, *v).ptr);
}

}  // namespace

std::string format_access_line(const AccessRecord& r) {
  std::string o = "{";
  o.reserve(512);
  key(o, "time");
  append_now_iso8601(o);
  add_quoted(o, "request_id", r.request_id);
  add_quoted(o, "method", r.method);
  add_quoted(o, "path", r.path);
  add_quoted(o, "route", r.route);
  if (!r.prompt_version.empty()) add_quoted(o, "prompt_version", r.prompt_version);
  add_quoted(o, "endpoint", r.endpoint);
  add_quoted(o, "provider", r.provider);
  add_quoted(o, "provider_model", r.provider_model);
  add_count(o, "status", r.status);
  add_millis(o, "latency_ms", r.latency_ms);
  if (r.upstream_latency_ms) {
    add_millis(o, "upstream_latency_ms", *r.upstream_latency_ms);
  } else {
    add(o, "upstream_latency_ms", "null");
  }
  add_millis(o, "overhead_ms", r.overhead_ms);
  add(o, "stream", r.stream ? "true" : "false");
  add_count(o, "prompt_tokens", r.usage.prompt_tokens);
  add_count(o, "completion_tokens", r.usage.completion_tokens);
  add_count(o, "total_tokens", r.usage.total_tokens);
  if (r.usage.cached_tokens) add_count(o, "cached_tokens", r.usage.cached_tokens);
  if (r.usage.reasoning_tokens) add_count(o, "reasoning_tokens", r.usage.reasoning_tokens);
  if (r.usage.cache_write_tokens) add_count(o, "cache_write_tokens", r.usage.cache_write_tokens);
  if (r.usage_estimated) add(o, "usage_estimated", "true");
  auto money = [&o](const char* name, double usd) {
    char buf[40];
    const auto end = std::to_chars(buf, buf + sizeof buf, usd, std::chars_format::fixed, 8);
    add(o, name, std::string_view(buf, static_cast<std::size_t>(end.ptr - buf)));
  };
  if (r.cost_usd) money("cost_usd", *r.cost_usd);
  if (r.cache_hit) add(o, "cache", "\"hit\"");
  if (r.saved_usd) money("saved_usd", *r.saved_usd);
  if (!r.key_id.empty()) add_quoted(o, "key_id", r.key_id);
  if (!r.team.empty()) add_quoted(o, "team", r.team);
  if (!r.workspace.empty()) add_quoted(o, "workspace", r.workspace);
  if (!r.error.empty()) add_quoted(o, "error", r.error);
  if (!r.attempts.empty()) {
    key(o, "attempts");
    o += '[';
    bool first = true;
    for (const auto& a : r.attempts) {
      if (!first) o += ',';
      first = false;
      std::string item = "{";
      add_quoted(item, "destination", a.destination);
      if (a.status) {
        add_count(item, "status", a.status);
      } else {
        add(item, "status", "null");
      }
      add_millis(item, "ms", a.latency_ms);
      add_quoted(item, "outcome", a.outcome);
      o += item;
      o += '}';
    }
    o += ']';
  }
  if (!r.guardrails.empty()) {
    key(o, "guardrails");
    o += '[';
    for (std::size_t i = 0; i < r.guardrails.size(); ++i) {
      const auto& g = r.guardrails[i];
      if (i != 0) o += ',';
      std::string item = "{";  // (key() puts a comma after anything but a lone '{')
      add_quoted(item, "name", g.guardrail);
      add_quoted(item, "action", g.action);
      add_quoted(item, "entity", g.entity);
      add_quoted(item, "on", g.output ? "output" : "input");
      add_count(item, "count", g.count);
      o += item;
      o += '}';
    }
    o += ']';
  }
  o += '}';
  return o;
}

AccessLog::AccessLog(const std::string& target) {
  if (target.empty()) return;
  if (target == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(target.c_str(), "a");
    if (file_ == nullptr) throw std::runtime_error("cannot open access log '" + target + "'");
    owns_file_ = true;
  }
  writer_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (owns_file_) std::fclose(file_);
}

void AccessLog::write(const AccessRecord& record) {
  if (file_ == nullptr) return;
  std::string line = format_access_line(record);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      Metrics::global().access_log_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(line));
    Metrics::global().access_log_queued.fetch_add(1, std::memory_order_relaxed);
    // Waking the writer per line would cost a context switch per request; it wakes on its own
    // every kFlushInterval, and early only when a burst fills a batch.
    if (queue_.size() != kWakeAt) return;
  }
  ready_.notify_one();
}

void AccessLog::run() {
  std::deque<std::string> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ready_.wait_for(lock, kFlushInterval, [&] { return stopping_ || queue_.size() >= kWakeAt; });
      if (queue_.empty() && stopping_) return;
      if (queue_.empty()) continue;
      batch.swap(queue_);
    }
    for (const auto& line : batch) {
      std::fwrite(line.data(), 1, line.size(), file_);
      std::fputc('\n', file_);
    }
    std::fflush(file_);
    Metrics::global().access_log_queued.fetch_sub(static_cast<std::int64_t>(batch.size()),
                                                  std::memory_order_relaxed);
    batch.clear();
  }
}

}  // namespace sluice::observability
