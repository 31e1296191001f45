#include "governance/shared_holds.hpp"

#include <atomic>
#include <charconv>
#include <random>
#include <string>
#include <vector>

#include "util/key_secret.hpp"

namespace sluice::governance {

namespace {

using Script = stores::redis::RedisLimiter::Script;

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

// Each hold's subject (1-based, in order of first appearance), and the holds that name one first:
// two budgets on one subject (a key's own and a config budget on keys) are both checked, the
// subject held once.
struct Subjects {
  std::vector<std::size_t> of;     // per hold
  std::vector<std::size_t> first;  // per subject: the hold that names it first
};
Subjects subjects_of(std::span<const SpendView::Hold> holds) {
  Subjects s;
  for (std::size_t i = 0; i < holds.size(); ++i) {
    std::size_t j = 0;
    while (j < s.first.size()) {
      const SpendView::Hold& f = holds[s.first[j]];
      if (f.scope == holds[i].scope && f.per == holds[i].per && f.name == holds[i].name) break;
      ++j;
    }
    if (j == s.first.size()) s.first.push_back(i);
    s.of.push_back(j + 1);
  }
  return s;
}

}  // namespace

std::string new_hold_id() {
  // A random prefix per process and a counter: unique without a syscall per request.
  static const std::string prefix = util::new_key_id();
  static std::atomic<std::uint64_t> next{0};
  return prefix + '.' + std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

void reserve_shared(stores::redis::RedisLimiter& redis, const SpendView& local,
                    std::span<const SpendView::Hold> holds, SpendView::Amount want,
                    std::int64_t unix_ms, const std::string& hold_id,
                    std::function<void(SharedReserved)> done) {
  const Subjects subjects = subjects_of(holds);
  std::vector<std::string> args;
  args.reserve(subjects.first.size() * 2 + 5 + holds.size() * 5);
  for (const std::size_t i : subjects.first) {
    args.push_back(subject_key('h', holds[i]));
    args.push_back(spent_key(holds[i], unix_ms));
  }
  args.push_back(number(want.usd));
  args.push_back(number(want.tokens));
  args.push_back(std::to_string(unix_ms));
  args.push_back(std::to_string(unix_ms + kSharedHoldTtlMs));
  args.push_back(hold_id);
  for (std::size_t i = 0; i < holds.size(); ++i) {
    const SpendView::Hold& h = holds[i];
    args.push_back(std::to_string(subjects.of[i]));
    args.push_back(h.limit_usd ? number(*h.limit_usd) : "-1");
    args.push_back(h.limit_tokens > 0 ? std::to_string(h.limit_tokens) : "-1");
    args.push_back(number(local.spent(h.scope, h.name, h.per, unix_ms)));
    args.push_back(std::to_string(local.spent_tokens(h.scope, h.name, h.per, unix_ms)));
  }
  const std::size_t budgets = holds.size();
  redis.eval(Script::kBudgetReserve, std::move(args), subjects.first.size() * 2,
             [budgets, done = std::move(done)](std::optional<std::vector<std::string>> reply) {
               if (!reply || reply->empty()) return done(std::nullopt);
               const auto& r = *reply;
               if (r[0] == "0") return done(std::optional<SpendView::Short>());
               if (r.size() != 7) return done(std::nullopt);
               const auto nth = static_cast<std::size_t>(parse(r[1]));
               if (nth < 1 || nth > budgets) return done(std::nullopt);
               SpendView::Short s;
               s.index = nth - 1;
               s.tokens = r[2] == "tokens";
               s.spent = {parse(r[3]), parse(r[5])};
               s.held = {parse(r[4]), parse(r[6])};
               done(std::optional<SpendView::Short>(s));
             });
}

void settle_shared(stores::redis::RedisLimiter& redis, std::span<const SpendView::Hold> holds,
                   const std::string& hold_id, SpendView::Amount spent, std::int64_t unix_ms) {
  const Subjects subjects = subjects_of(holds);
  if (subjects.first.empty()) return;
  std::vector<std::string> args;
  args.reserve(subjects.first.size() * 3 + 3);
  for (const std::size_t i : subjects.first) {
    args.push_back(subject_key('h', holds[i]));
    args.push_back(spent_key(holds[i], unix_ms));
  }
  args.push_back(hold_id);
  args.push_back(number(spent.usd));
  args.push_back(number(spent.tokens));
  for (const std::size_t i : subjects.first)
    args.push_back(std::to_string(spent_ttl_ms(holds[i].per)));
  redis.eval(Script::kBudgetSettle, std::move(args), subjects.first.size() * 2, nullptr);
}

}  // namespace sluice::governance
