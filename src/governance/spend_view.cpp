#include "governance/spend_view.hpp"

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

void SpendView::add_slot(const SlotView& slot, double usd) {
  if (auto it = totals_.find(slot); it != totals_.end()) {
    it->second += usd;
    return;
  }
  totals_.emplace(Slot{slot.scope, std::string(slot.name), slot.per, slot.bucket}, usd);
}

void SpendView::add_to(config::Scope scope, std::string_view name, std::int64_t unix_ms,
                       double usd) {
  add_slot({scope, name, 'd', period_bucket(config::Period::kDay, unix_ms)}, usd);
  add_slot({scope, name, 'm', period_bucket(config::Period::kMonth, unix_ms)}, usd);
}

void SpendView::add(const stores::LedgerEntry& e) {
  if (e.cost_usd == 0) return;
  std::lock_guard lock(mutex_);
  if (!e.key_id.empty()) add_to(config::Scope::kKey, e.key_id, e.ts_ms, e.cost_usd);
  if (!e.team.empty()) add_to(config::Scope::kTeam, e.team, e.ts_ms, e.cost_usd);
  if (!e.user.empty()) add_to(config::Scope::kUser, e.user, e.ts_ms, e.cost_usd);
  if (!e.endpoint.empty()) add_to(config::Scope::kEndpoint, e.endpoint, e.ts_ms, e.cost_usd);
  if (!e.provider.empty()) add_to(config::Scope::kProvider, e.provider, e.ts_ms, e.cost_usd);
  add_to(config::Scope::kGlobal, "", e.ts_ms, e.cost_usd);
}

void SpendView::add_total(const stores::SpendTotal& t) {
  stores::LedgerEntry e;
  e.ts_ms = t.day * 86'400'000;
  e.key_id = t.key_id;
  e.team = t.team;
  e.user = t.user;
  e.endpoint = t.endpoint;
  e.provider = t.provider;
  e.cost_usd = t.cost_usd;
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

double SpendView::spent(config::Scope scope, std::string_view name, config::Period per,
                        std::int64_t unix_ms) const {
  const SlotView slot{scope, name, per == config::Period::kMonth ? 'm' : 'd',
                      period_bucket(per, unix_ms)};
  std::lock_guard lock(mutex_);
  auto it = totals_.find(slot);
  return it == totals_.end() ? 0.0 : it->second;
}

namespace {

char per_char(config::Period per) { return per == config::Period::kMonth ? 'm' : 'd'; }

// Whether hold `i` repeats an earlier one (same scope, name and period): counted once.
bool repeated(std::span<const SpendView::Hold> holds, std::size_t i) {
  for (std::size_t j = 0; j < i; ++j) {
    if (holds[j].scope == holds[i].scope && holds[j].per == holds[i].per &&
        holds[j].name == holds[i].name)
      return true;
  }
  return false;
}

}  // namespace

std::optional<SpendView::Short> SpendView::try_reserve(std::span<const Hold> holds, double usd,
                                                       std::int64_t unix_ms) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < holds.size(); ++i) {
    const Hold& h = holds[i];
    const SlotView now{h.scope, h.name, per_char(h.per), period_bucket(h.per, unix_ms)};
    const SlotView flight{h.scope, h.name, per_char(h.per), 0};
    auto t = totals_.find(now);
    auto f = held_.find(flight);
    const double spent = t == totals_.end() ? 0.0 : t->second;
    const double held = f == held_.end() ? 0.0 : f->second;
    const bool room = usd > 0 ? spent + held + usd <= h.limit_usd : spent + held < h.limit_usd;
    if (!room) return Short{i, spent, held};
  }
  if (usd <= 0) return std::nullopt;
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (repeated(holds, i)) continue;
    const Hold& h = holds[i];
    const SlotView flight{h.scope, h.name, per_char(h.per), 0};
    auto f = held_.find(flight);
    if (f == held_.end()) {
      held_.emplace(Slot{h.scope, h.name, per_char(h.per), 0}, usd);
    } else {
      f->second += usd;
    }
  }
  return std::nullopt;
}

void SpendView::release(std::span<const Hold> holds, double usd) {
  if (usd <= 0) return;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (repeated(holds, i)) continue;
    const Hold& h = holds[i];
    auto f = held_.find(SlotView{h.scope, h.name, per_char(h.per), 0});
    if (f == held_.end()) continue;
    f->second -= usd;
    // Sums of doubles drift: what is left of the last hold is dust, and the slot goes.
    if (f->second < 1e-12) held_.erase(f);
  }
}

double SpendView::held(config::Scope scope, std::string_view name, config::Period per) const {
  std::lock_guard lock(mutex_);
  auto f = held_.find(SlotView{scope, name, per_char(per), 0});
  return f == held_.end() ? 0.0 : f->second;
}

}  // namespace sluice::governance
