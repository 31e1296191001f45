#include "stores/redis/redis_limiter.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <iostream>
#include <unordered_map>

#include "observability/metrics.hpp"
#include "stores/redis/budget_scripts.hpp"
#include "stores/redis/cache_scripts.hpp"

namespace sluice::stores::redis {

namespace {

// KEYS: per limit, its current window's key then its previous window's.
// ARGV: now_ms, then per limit: limit, period_ms, amount.
// Returns {"1" if taken else "0", previous_1, current_1, previous_2, current_2, …} as strings
// (Lua numbers would come back truncated to integers).
constexpr const char* kAcquireScript = R"lua(
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local out = {'1'}
local fits = true
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local period = tonumber(ARGV[base + 2])
  local amount = tonumber(ARGV[base + 3])
  local cur = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local into = (now % period) / period
  if prev * (1 - into) + cur + amount > limit then fits = false end
  out[2 * i] = tostring(prev)
  out[2 * i + 1] = tostring(cur)
end
if fits then
  for i = 1, n do
    local base = 1 + (i - 1) * 3
    redis.call('INCRBYFLOAT', KEYS[2 * i - 1], ARGV[base + 3])
    redis.call('PEXPIRE', KEYS[2 * i - 1], tonumber(ARGV[base + 2]) * 2 + 1000)
  end
else
  out[1] = '0'
end
return out
)lua";

// KEYS[1]: the window key a reservation went into; ARGV[1]: the correction. A window already
// expired is left alone (no key without an expiry is ever created).
constexpr const char* kSettleScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = tonumber(redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]))
if v < 0 then redis.call('SET', KEYS[1], '0', 'KEEPTTL') end
return 1
)lua";

std::string window_key(std::string_view counter, std::int64_t window) {
  std::string k = "sluice:lim:";
  k += counter;
  k += ':';
  k += std::to_string(window);
  return k;
}

std::string number(double v) {
  char buf[40];
  auto end = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end.ptr);
}

double parse_number(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_STRING) return 0;
  double v = 0;
  std::from_chars(r->str, r->str + r->len, v);
  return v;
}

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

}  // namespace

RedisLimiter::RedisLimiter(RedisAddress address) : address_(std::move(address)) {
  thread_ = std::thread([this] { run(); });
}

RedisLimiter::~RedisLimiter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  thread_.join();
  disconnect();
}

void RedisLimiter::acquire(std::vector<stores::LimitWant> wants, std::int64_t now_ms, Done done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(wants), now_ms, std::move(done), {}, 0});
  }
  has_work_.notify_one();
}

void RedisLimiter::settle(const stores::Reservation& r, std::int64_t real_amount) {
  const double delta = static_cast<double>(real_amount - r.amount);
  if (delta == 0) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({{}, 0, nullptr, window_key(r.counter, r.window), delta});
  }
  has_work_.notify_one();
}

void RedisLimiter::eval(Script script, std::vector<std::string> keys_then_args, std::size_t keys,
                        ScriptDone done) {
  {
    std::lock_guard lock(mutex_);
    Job job;
    job.script = script;
    job.script_args = std::move(keys_then_args);
    job.script_keys = keys;
    job.script_done = std::move(done);
    queue_.push_back(std::move(job));
  }
  has_work_.notify_one();
}

bool RedisLimiter::connect() {
  if (ctx_ != nullptr) return true;
  if (std::chrono::steady_clock::now() < retry_at_) return false;
  const timeval timeout{0, 500'000};
  ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, timeout);
  auto command = [this](const char* format, auto... args) {
    return Reply(static_cast<redisReply*>(redisCommand(ctx_, format, args...)));
  };
  bool ok = ctx_ != nullptr && ctx_->err == 0 && redisSetTimeout(ctx_, timeout) == REDIS_OK;
  if (ok && !address_.password.empty()) {
    Reply r = command("AUTH %s", address_.password.c_str());
    ok = r && r->type != REDIS_REPLY_ERROR;
  }
  if (ok && address_.db != 0) {
    Reply r = command("SELECT %d", address_.db);
    ok = r && r->type != REDIS_REPLY_ERROR;
  }
  for (auto [script, sha] :
       {std::pair{kAcquireScript, &acquire_sha_},
        {kSettleScript, &settle_sha_},
        {kBudgetReserveScript, &script_sha_[static_cast<std::size_t>(Script::kBudgetReserve)]},
        {kBudgetSettleScript, &script_sha_[static_cast<std::size_t>(Script::kBudgetSettle)]},
        {kCacheGetScript, &script_sha_[static_cast<std::size_t>(Script::kCacheGet)]},
        {kCacheSetScript, &script_sha_[static_cast<std::size_t>(Script::kCacheSet)]},
        {kCacheScanScript, &script_sha_[static_cast<std::size_t>(Script::kCacheScan)]}}) {
    if (!ok) break;
    Reply r = command("SCRIPT LOAD %s", script);
    ok = r && r->type == REDIS_REPLY_STRING;
    if (ok) sha->assign(r->str, r->len);
  }
  if (!ok) {
    std::cerr << "sluice: redis " << address_.host << ":" << address_.port
              << " unavailable: " << (ctx_ ? ctx_->errstr : "out of memory") << "\n";
    disconnect();
    retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  }
  return ok;
}

void RedisLimiter::disconnect() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

void RedisLimiter::fail(std::vector<Job>& jobs, std::size_t from) {
  for (std::size_t i = from; i < jobs.size(); ++i) {
    if (jobs[i].done) jobs[i].done(std::nullopt);
    if (jobs[i].script_done) jobs[i].script_done(std::nullopt);
  }
  observability::Metrics::global().redis_failures.fetch_add(1, std::memory_order_relaxed);
}

// Settles of the same window waiting together become one command with their summed delta: under
// load a batch holds many requests of the same counter, and this keeps Redis at about one
// command per request (the acquire) instead of two.
void RedisLimiter::merge_settles(std::vector<Job>& jobs) {
  std::unordered_map<std::string, std::size_t> first;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Job& job = jobs[i];
    if (!job.done && !job.script) {
      auto [it, added] = first.emplace(job.settle_key, kept);
      if (!added) {
        jobs[it->second].settle_delta += job.settle_delta;
        continue;
      }
    }
    if (kept != i) jobs[kept] = std::move(job);
    ++kept;
  }
  jobs.resize(kept);
}

void RedisLimiter::run() {
  std::vector<Job> jobs;
  std::vector<std::string> args;
  std::vector<const char*> argv;
  std::vector<std::size_t> argl;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      jobs.swap(queue_);
    }
    if (!connect()) {
      fail(jobs, 0);
      jobs.clear();
      continue;
    }
    merge_settles(jobs);
    // Write every waiting command, then read the answers in order: one round trip for all.
    for (const Job& job : jobs) {
      args.clear();
      args.emplace_back("EVALSHA");
      if (job.script) {
        args.push_back(script_sha_[static_cast<std::size_t>(*job.script)]);
        args.push_back(std::to_string(job.script_keys));
        args.insert(args.end(), job.script_args.begin(), job.script_args.end());
      } else if (job.wants.empty()) {
        args.push_back(settle_sha_);
        args.emplace_back("1");
        args.push_back(job.settle_key);
        args.push_back(number(job.settle_delta));
      } else {
        args.push_back(acquire_sha_);
        args.push_back(std::to_string(job.wants.size() * 2));
        for (const auto& w : job.wants) {
          const std::int64_t window = job.now_ms / w.period_ms;
          args.push_back(window_key(w.counter, window));
          args.push_back(window_key(w.counter, window - 1));
        }
        args.push_back(std::to_string(job.now_ms));
        for (const auto& w : job.wants) {
          args.push_back(std::to_string(w.limit));
          args.push_back(std::to_string(w.period_ms));
          args.push_back(std::to_string(w.amount));
        }
      }
      argv.clear();
      argl.clear();
      for (const auto& a : args) {
        argv.push_back(a.data());
        argl.push_back(a.size());
      }
      redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argl.data());
    }
    bool reconnect = false;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK) {
        std::cerr << "sluice: redis: " << ctx_->errstr << "\n";
        disconnect();
        fail(jobs, i);
        break;
      }
      Reply reply(static_cast<redisReply*>(raw));
      Job& job = jobs[i];
      if (job.script) {
        if (reply->type != REDIS_REPLY_ARRAY) {
          // NOSCRIPT after a Redis restart, or another error: counted even when nobody waits
          // (a settle), and the scripts are loaded again on reconnecting.
          reconnect = true;
          if (job.script_done) job.script_done(std::nullopt);
          observability::Metrics::global().redis_failures.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (!job.script_done) continue;
        std::vector<std::string> out;
        for (std::size_t k = 0; k < reply->elements; ++k) {
          const redisReply* e = reply->element[k];
          out.emplace_back(e->type == REDIS_REPLY_STRING ? std::string(e->str, e->len) : "");
        }
        job.script_done(std::move(out));
        continue;
      }
      if (!job.done) continue;  // a settle
      const std::size_t n = job.wants.size();
      if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 + 2 * n) {
        // NOSCRIPT after a Redis restart, or another error: reconnect (reloading the scripts)
        // once the other answers of the batch are read.
        reconnect = true;
        job.done(std::nullopt);
        observability::Metrics::global().redis_failures.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      std::vector<stores::WindowCounts> counts(n);
      for (std::size_t k = 0; k < n; ++k) {
        counts[k].previous = parse_number(reply->element[1 + 2 * k]);
        counts[k].current = parse_number(reply->element[2 + 2 * k]);
      }
      stores::LimitDecision d = stores::decide_limits(job.wants, counts, job.now_ms);
      // The script's verdict is the one that counted; the same arithmetic here gives the
      // headers and Retry-After.
      const bool taken = reply->element[0]->type == REDIS_REPLY_STRING &&
                         reply->element[0]->len == 1 && reply->element[0]->str[0] == '1';
      if (!taken) {
        d.allowed = false;
        d.reservations.clear();
      }
      for (auto& r : d.reservations) r.shared = true;
      job.done(std::move(d));
    }
    if (reconnect) disconnect();
    jobs.clear();
  }
}

}  // namespace sluice::stores::redis
