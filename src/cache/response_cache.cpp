#include "cache/response_cache.hpp"

#include <charconv>
#include <chrono>
#include <future>

#include "stores/redis/redis_limiter.hpp"

namespace sluice::cache {

using stores::redis::RedisLimiter;

namespace {

// SCAN MATCH treats * ? [ ] \ specially; names and scopes are matched as they are.
std::string glob_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

ResponseCache::ResponseCache(std::uint64_t memory_bytes, RedisLimiter* redis,
                             std::uint64_t semantic_bytes)
    : memory_(memory_bytes), semantic_(semantic_bytes), redis_(redis) {}

std::string ResponseCache::entry_key(std::string_view endpoint, std::string_view scope,
                                     std::string_view hash) {
  std::string k = "sluice:cache:";
  k += endpoint;
  k += ':';
  k += scope;
  k += ':';
  k += hash;
  return k;
}

AnswerPtr ResponseCache::find_local(const std::string& key, std::int64_t now_ms) {
  return memory_.find(key, now_ms);
}

void ResponseCache::find_shared(const std::string& key, Fetched done) {
  redis_->eval(RedisLimiter::Script::kCacheGet, {key}, 1,
               [done = std::move(done)](std::optional<std::vector<std::string>> reply) {
                 if (!reply) {
                   done(std::nullopt);
                 } else {
                   done(reply->empty() ? std::string() : std::move(reply->front()));
                 }
               });
}

AnswerPtr ResponseCache::read_shared(std::string_view value, std::int64_t now_ms,
                                     std::size_t max_bytes) {
  if (value.empty()) return nullptr;
  auto text = decompress(value, max_bytes);
  std::optional<CachedAnswer> answer;
  if (text) answer = decode(*text);
  if (!answer || answer->expires_ms <= now_ms) return nullptr;
  return std::make_shared<const CachedAnswer>(std::move(*answer));
}

void ResponseCache::put(config::CacheSpec::Store store, const std::string& key, AnswerPtr answer,
                        std::string_view encoded) {
  if (store == config::CacheSpec::Store::kMemory || redis_ == nullptr) {
    memory_.put(key, std::move(answer));
    return;
  }
  const std::int64_t ttl_ms = answer->expires_ms - answer->stored_ms;
  if (ttl_ms <= 0) return;
  redis_->eval(RedisLimiter::Script::kCacheSet, {key, compress(encoded), std::to_string(ttl_ms)}, 1,
               nullptr);
}

bool ResponseCache::lead(const std::string& key) {
  std::lock_guard lock(flights_mutex_);
  return flights_.try_emplace(key).second;
}

bool ResponseCache::follow(const std::string& key, std::function<void()> wake) {
  std::lock_guard lock(flights_mutex_);
  auto it = flights_.find(key);
  if (it == flights_.end()) return false;
  it->second.push_back(std::move(wake));
  return true;
}

void ResponseCache::land(const std::string& key) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(flights_mutex_);
    auto it = flights_.find(key);
    if (it == flights_.end()) return;
    waiting = std::move(it->second);
    flights_.erase(it);
  }
  for (auto& wake : waiting) wake();
}

std::optional<std::uint64_t> ResponseCache::scan(std::string_view endpoint, std::string_view scope,
                                                 bool erase, bool scope_prefix) {
  if (redis_ == nullptr) return std::nullopt;
  std::string pattern = "sluice:cache:";
  pattern += endpoint.empty() ? "*" : glob_escaped(endpoint);
  pattern += ':';
  pattern += scope.empty() ? "*" : glob_escaped(scope);
  if (scope_prefix && !scope.empty()) pattern += '*';
  pattern += ":*";
  // Step by step (one SCAN of 1000 keys a call), each waited for here: an admin request on the
  // blocking pool. The promise is shared: the answer may come after a caller gave up.
  std::uint64_t total = 0;
  std::string cursor = "0";
  do {
    auto answered = std::make_shared<std::promise<std::optional<std::vector<std::string>>>>();
    auto reply = answered->get_future();
    redis_->eval(RedisLimiter::Script::kCacheScan, {cursor, pattern, erase ? "1" : "0"}, 0,
                 [answered](std::optional<std::vector<std::string>> r) {
                   answered->set_value(std::move(r));
                 });
    if (reply.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
    auto step = reply.get();
    if (!step || step->size() != 2) return std::nullopt;
    cursor = (*step)[0];
    std::uint64_t n = 0;
    const std::string& count = (*step)[1];
    if (std::from_chars(count.data(), count.data() + count.size(), n).ec != std::errc{})
      return std::nullopt;
    total += n;
  } while (cursor != "0");
  return total;
}

ResponseCache::Totals ResponseCache::totals() {
  return Totals{memory_.totals(), scan("", "", false), semantic_.entries(), semantic_.bytes()};
}

std::pair<std::size_t, std::optional<std::uint64_t>> ResponseCache::clear(std::string_view endpoint,
                                                                          std::string_view scope,
                                                                          bool scope_prefix) {
  semantic_.clear(endpoint, scope, scope_prefix);
  const std::size_t local = memory_.erase_if([&](const CachedAnswer& a) {
    return (endpoint.empty() || a.endpoint == endpoint) &&
           (scope.empty() ||
            (scope_prefix ? std::string_view(a.scope).starts_with(scope) : a.scope == scope));
  });
  return {local, scan(endpoint, scope, true, scope_prefix)};
}

}  // namespace sluice::cache
