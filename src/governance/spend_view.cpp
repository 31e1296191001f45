#include "governance/spend_view.hpp"

#include <algorithm>
#include <ctime>

namespace sluice::governance {

std::int64_t period_bucket(config::Period per, std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  if (per == config::Period::kMonth) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return static_cast<std::int64_t>(tm.tm_year) * 12 + tm.tm_mon;
  }
  return unix_ms / 86'400'000;
}

std::int64_t month_start_ms(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::size_t SpendView::SlotHash::operator()(const SlotView& s) const {
  std::size_t h = std::hash<std::string_view>{}(s.name);
  h ^= (static_cast<std::size_t>(s.bucket) * 0x9e3779b97f4a7c15ull) +
       static_cast<std::size_t>(s.per) + (static_cast<std::size_t>(s.scope) << 8) + (h << 6) +
       (h >> 2);
  return h;
}

void SpendView::add_slot(const SlotView& slot, Amount amount) {
  if (auto it = totals_.find(slot); it != totals_.end()) {
    it->second.usd += amount.usd;
    it->second.tokens += amount.tokens;
    return;
  }
  totals_.emplace(Slot{slot.scope, std::string(slot.name), slot.per, slot.bucket}, amount);
}

void SpendView::add_to(config::Scope scope, std::string_view name, std::int64_t unix_ms,
                       Amount amount) {
  add_slot({scope, name, 'd', period_bucket(config::Period::kDay, unix_ms)}, amount);
  add_slot({scope, name, 'm', period_bucket(config::Period::kMonth, unix_ms)}, amount);
}

void SpendView::add(const stores::LedgerEntry& e) {
  const Amount a{e.cost_usd, static_cast<double>(e.prompt_tokens + e.completion_tokens)};
  if (a.usd == 0 && a.tokens == 0) return;
  std::lock_guard lock(mutex_);
  if (!e.key_id.empty()) add_to(config::Scope::kKey, e.key_id, e.ts_ms, a);
  if (!e.team.empty()) add_to(config::Scope::kTeam, e.team, e.ts_ms, a);
  if (!e.user.empty()) add_to(config::Scope::kUser, e.user, e.ts_ms, a);
  if (!e.endpoint.empty()) add_to(config::Scope::kEndpoint, e.endpoint, e.ts_ms, a);
  if (!e.provider.empty()) add_to(config::Scope::kProvider, e.provider, e.ts_ms, a);
  add_to(config::Scope::kWorkspace, e.workspace, e.ts_ms, a);
  add_to(config::Scope::kGlobal, "", e.ts_ms, a);
}

void SpendView::add_total(const stores::SpendTotal& t) {
  stores::LedgerEntry e;
  e.ts_ms = t.day * 86'400'000;
  e.key_id = t.key_id;
  e.team = t.team;
  e.user = t.user;
  e.endpoint = t.endpoint;
  e.provider = t.provider;
  e.workspace = t.workspace;
  e.cost_usd = t.cost_usd;
  e.prompt_tokens = t.tokens;  // the sum of both, counted the same way
  add(e);
}

void SpendView::replace(std::span<const stores::SpendTotal> totals,
                        std::span<const stores::LedgerEntry> uncommitted) {
  SpendView fresh;  // built without the lock; budget checks wait only for the swap
  for (const auto& t : totals) fresh.add_total(t);
  for (const auto& e : uncommitted) fresh.add(e);
  std::lock_guard lock(mutex_);
  totals_.swap(fresh.totals_);
}

namespace {

char per_char(config::Period per) { return per == config::Period::kMonth ? 'm' : 'd'; }

// Whether hold `i` names the same subject and period as an earlier one (counted once).
bool repeats_earlier(std::span<const SpendView::Hold> holds, std::size_t i) {
  for (std::size_t j = 0; j < i; ++j) {
    if (holds[j].scope == holds[i].scope && holds[j].per == holds[i].per &&
        holds[j].name == holds[i].name)
      return true;
  }
  return false;
}

// Whether `want` fits under `limit` after `used`; a want of 0 (a cost not known ahead) fits
// while anything is left.
bool fits(double used, double want, double limit) {
  return want > 0 ? used + want <= limit : used < limit;
}

}  // namespace

double SpendView::spent(config::Scope scope, std::string_view name, config::Period per,
                        std::int64_t unix_ms) const {
  const SlotView slot{scope, name, per_char(per), period_bucket(per, unix_ms)};
  std::lock_guard lock(mutex_);
  auto it = totals_.find(slot);
  return it == totals_.end() ? 0.0 : it->second.usd;
}

std::uint64_t SpendView::spent_tokens(config::Scope scope, std::string_view name,
                                      config::Period per, std::int64_t unix_ms) const {
  const SlotView slot{scope, name, per_char(per), period_bucket(per, unix_ms)};
  std::lock_guard lock(mutex_);
  auto it = totals_.find(slot);
  return it == totals_.end() ? 0 : static_cast<std::uint64_t>(it->second.tokens);
}

std::pair<SpendView::Amount, SpendView::Amount> SpendView::state_of(const Hold& h,
                                                                    std::int64_t unix_ms) const {
  auto t = totals_.find(SlotView{h.scope, h.name, per_char(h.per), period_bucket(h.per, unix_ms)});
  auto f = held_.find(SlotView{h.scope, h.name, per_char(h.per), 0});
  return {t == totals_.end() ? Amount{} : t->second, f == held_.end() ? Amount{} : f->second};
}

std::optional<SpendView::Short> SpendView::try_reserve(std::span<const Hold> holds, Amount want,
                                                       std::int64_t unix_ms) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < holds.size(); ++i) {
    const Hold& h = holds[i];
    const auto [spent, held] = state_of(h, unix_ms);
    if (h.limit_usd && !fits(spent.usd + held.usd, want.usd, *h.limit_usd))
      return Short{i, spent, held, false};
    if (h.limit_tokens > 0 &&
        !fits(spent.tokens + held.tokens, want.tokens, static_cast<double>(h.limit_tokens)))
      return Short{i, spent, held, true};
  }
  if (want.usd <= 0 && want.tokens <= 0) return std::nullopt;
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (repeats_earlier(holds, i)) continue;
    const Hold& h = holds[i];
    const SlotView flight{h.scope, h.name, per_char(h.per), 0};
    auto f = held_.find(flight);
    if (f == held_.end()) {
      held_.emplace(Slot{h.scope, h.name, per_char(h.per), 0}, want);
    } else {
      f->second.usd += want.usd;
      f->second.tokens += want.tokens;
    }
  }
  return std::nullopt;
}

void SpendView::release(std::span<const Hold> holds, Amount want) {
  if (want.usd <= 0 && want.tokens <= 0) return;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (repeats_earlier(holds, i)) continue;
    const Hold& h = holds[i];
    auto f = held_.find(SlotView{h.scope, h.name, per_char(h.per), 0});
    if (f == held_.end()) continue;
    f->second.usd -= want.usd;
    f->second.tokens -= want.tokens;
    // Sums of doubles drift: what is left of the last hold is dust, and the slot goes.
    if (f->second.usd < 1e-12 && f->second.tokens < 0.5) held_.erase(f);
  }
}

SpendView::Amount SpendView::held(config::Scope scope, std::string_view name,
                                  config::Period per) const {
  std::lock_guard lock(mutex_);
  auto f = held_.find(SlotView{scope, name, per_char(per), 0});
  return f == held_.end() ? Amount{} : f->second;
}

}  // namespace sluice::governance
