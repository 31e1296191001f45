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

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Fixed three decimals: Boost.JSON would print doubles in exponent form (1.89E-1). to_chars,
// not printf: this runs three times per request and printf's float path showed in profiles.
std::string millis(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3).ptr);
}

void add(std::string& out, std::string_view key, std::string_view raw_value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
  out += raw_value;
}

std::string quoted(std::string_view s) {
  if (s.empty()) return "null";
  std::string out;
  util::append_json_string(out, s);
  return out;
}

std::string count(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "null"; }

}  // namespace

std::string format_access_line(const AccessRecord& r) {
  std::string o = "{";
  o.reserve(512);
  add(o, "time", quoted(now_iso8601()));
  add(o, "request_id", quoted(r.request_id));
  add(o, "method", quoted(r.method));
  add(o, "path", quoted(r.path));
  add(o, "route", quoted(r.route));
  if (!r.prompt_version.empty()) add(o, "prompt_version", quoted(r.prompt_version));
  add(o, "endpoint", quoted(r.endpoint));
  add(o, "provider", quoted(r.provider));
  add(o, "provider_model", quoted(r.provider_model));
  add(o, "status", std::to_string(r.status));
  add(o, "latency_ms", millis(r.latency_ms));
  add(o, "upstream_latency_ms", r.upstream_latency_ms ? millis(*r.upstream_latency_ms) : "null");
  add(o, "overhead_ms", millis(r.overhead_ms));
  add(o, "stream", r.stream ? "true" : "false");
  add(o, "prompt_tokens", count(r.usage.prompt_tokens));
  add(o, "completion_tokens", count(r.usage.completion_tokens));
  add(o, "total_tokens", count(r.usage.total_tokens));
  if (r.usage.cached_tokens) add(o, "cached_tokens", count(r.usage.cached_tokens));
  if (r.usage.reasoning_tokens) add(o, "reasoning_tokens", count(r.usage.reasoning_tokens));
  if (r.usage.cache_write_tokens) add(o, "cache_write_tokens", count(r.usage.cache_write_tokens));
  if (r.usage_estimated) add(o, "usage_estimated", "true");
  auto money = [&o](const char* name, double usd) {
    char buf[40];
    const auto end = std::to_chars(buf, buf + sizeof buf, usd, std::chars_format::fixed, 8);
    add(o, name, std::string_view(buf, static_cast<std::size_t>(end.ptr - buf)));
  };
  if (r.cost_usd) money("cost_usd", *r.cost_usd);
  if (r.cache_hit) add(o, "cache", "\"hit\"");
  if (r.saved_usd) money("saved_usd", *r.saved_usd);
  if (!r.key_id.empty()) add(o, "key_id", quoted(r.key_id));
  if (!r.team.empty()) add(o, "team", quoted(r.team));
  if (!r.error.empty()) add(o, "error", quoted(r.error));
  if (!r.attempts.empty()) {
    std::string list = "[";
    for (const auto& a : r.attempts) {
      if (list.size() > 1) list += ',';
      std::string item = "{";
      add(item, "destination", quoted(a.destination));
      add(item, "status", a.status ? std::to_string(a.status) : "null");
      add(item, "ms", millis(a.latency_ms));
      add(item, "outcome", quoted(a.outcome));
      list += item;
      list += '}';
    }
    list += ']';
    add(o, "attempts", list);
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
    batch.clear();
  }
}

}  // namespace sluice::observability
