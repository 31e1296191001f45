#include "governance/shared_holds.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace sluice::governance {

namespace {

using Script = stores::redis::RedisLimiter::Script;

// A budget's holds may outlive a day's turn (they are given back whole); an hour after its
// budget's last reservation a hold of a replica that died is dropped.
constexpr std::int64_t kHoldTtlMs = 3'600'000;

std::string number(double v) {
  char buf[40];
  const auto end = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end.ptr);
}

double parse(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

char per_char(config::Period per) { return per == config::Period::kMonth ? 'm' : 'd'; }

// sluice:bud:<h|s>:<scope>:<length of name>:<name>:<d|m>: the length keeps a name holding ':'
// from passing for another subject.
std::string subject_key(char kind, const SpendView::Hold& h) {
  std::string k = "sluice:bud:";
  k += kind;
  k += ':';
  k += config::scope_name(h.scope);
  k += ':';
  k += std::to_string(h.name.size());
  k += ':';
  k += h.name;
  k += ':';
  k += per_char(h.per);
  return k;
}

std::string spent_key(const SpendView::Hold& h, std::int64_t unix_ms) {
  return subject_key('s', h) + ':' + std::to_string(period_bucket(h.per, unix_ms));
}

// A spent key lasts past its period's end: a day for a day, 32 days for a month.
std::int64_t spent_ttl_ms(config::Period per) {
  return per == config::Period::kMonth ? 32LL * 86'400'000 : 2LL * 86'400'000;
}

// The holds counted once each (a budget named in the config and on the key is one subject), with
// where each came from.
std::vector<std::size_t> distinct(std::span<const SpendView::Hold> holds) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (!SpendView::repeats_earlier(holds, i)) out.push_back(i);
  }
  return out;
}

}  // namespace

void reserve_shared(stores::redis::RedisLimiter& redis, const SpendView& local,
                    std::span<const SpendView::Hold> holds, SpendView::Amount want,
                    std::int64_t unix_ms, std::function<void(SharedReserved)> done) {
  const std::vector<std::size_t> used = distinct(holds);
  std::vector<std::string> args;
  args.reserve(used.size() * 6 + 3);
  for (const std::size_t i : used) {
    args.push_back(subject_key('h', holds[i]));
    args.push_back(spent_key(holds[i], unix_ms));
  }
  args.push_back(number(want.usd));
  args.push_back(number(want.tokens));
  args.push_back(std::to_string(kHoldTtlMs));
  for (const std::size_t i : used) {
    const SpendView::Hold& h = holds[i];
    args.push_back(h.limit_usd ? number(*h.limit_usd) : "-1");
    args.push_back(h.limit_tokens > 0 ? std::to_string(h.limit_tokens) : "-1");
    args.push_back(number(local.spent(h.scope, h.name, h.per, unix_ms)));
    args.push_back(std::to_string(local.spent_tokens(h.scope, h.name, h.per, unix_ms)));
  }
  redis.eval(Script::kBudgetReserve, std::move(args), used.size() * 2,
             [used, done = std::move(done)](std::optional<std::vector<std::string>> reply) {
               if (!reply || reply->empty()) return done(std::nullopt);
               const auto& r = *reply;
               if (r[0] == "0") return done(std::optional<SpendView::Short>());
               if (r.size() != 7) return done(std::nullopt);
               const auto nth = static_cast<std::size_t>(parse(r[1]));
               if (nth < 1 || nth > used.size()) return done(std::nullopt);
               SpendView::Short s;
               s.index = used[nth - 1];
               s.tokens = r[2] == "tokens";
               s.spent = {parse(r[3]), parse(r[5])};
               s.held = {parse(r[4]), parse(r[6])};
               done(std::optional<SpendView::Short>(s));
             });
}

void settle_shared(stores::redis::RedisLimiter& redis, std::span<const SpendView::Hold> holds,
                   SpendView::Amount held, SpendView::Amount spent, std::int64_t unix_ms) {
  const std::vector<std::size_t> used = distinct(holds);
  if (used.empty()) return;
  std::vector<std::string> args;
  args.reserve(used.size() * 3 + 4);
  for (const std::size_t i : used) {
    args.push_back(subject_key('h', holds[i]));
    args.push_back(spent_key(holds[i], unix_ms));
  }
  args.push_back(number(held.usd));
  args.push_back(number(held.tokens));
  args.push_back(number(spent.usd));
  args.push_back(number(spent.tokens));
  for (const std::size_t i : used) args.push_back(std::to_string(spent_ttl_ms(holds[i].per)));
  redis.eval(Script::kBudgetSettle, std::move(args), used.size() * 2, nullptr);
}

}  // namespace sluice::governance
