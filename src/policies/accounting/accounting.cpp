#include "policies/accounting/accounting.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <iostream>
#include <mutex>
#include <unordered_map>

#include "governance/scope.hpp"
#include "governance/spend_view.hpp"
#include "observability/metrics.hpp"

namespace sluice::policies {

using pipeline::RequestContext;

void price_request(RequestContext& ctx) {
  // A cache hit's price is what it saved; it costs nothing.
  std::optional<double>& into = ctx.cache.hit ? ctx.cache.saved_usd : ctx.cost_usd;
  if (into || ctx.endpoint == nullptr || ctx.usage.empty()) return;
  if (ctx.usage.billed_usd) {  // the provider's own bill is the price of record
    into = ctx.usage.billed_usd;
    return;
  }
  const auto& prices = ctx.snapshot->governance.prices;
  if (!prices) return;
  // The raw proxy's model is the client's: priced as it when it has a price, else as the
  // endpoint's (never free for a model name the price list lacks).
  const auto* price = prices->find(ctx.endpoint->provider, ctx.model_name());
  if (price == nullptr && ctx.raw_proxy)
    price = prices->find(ctx.endpoint->provider, ctx.endpoint->model_name);
  if (price != nullptr) into = pricing::cost_usd(*price, ctx.usage);
}

pipeline::Step AccountingPolicy::on_request(RequestContext& /*ctx*/, void* /*state*/) const {
  return runtime_.ledger() != nullptr ? pipeline::Step::next() : pipeline::Step::skip();
}

void AccountingPolicy::on_complete(RequestContext& ctx, void* state,
                                   const pipeline::Outcome& outcome) const {
  account(ctx, state_of(state), outcome.client_gone && outcome.status == 0 ? 499 : outcome.status);
}

namespace {

std::int64_t window_start_ms(config::Period per, std::int64_t now_ms) {
  return per == config::Period::kMonth ? governance::month_start_ms(now_ms)
                                       : now_ms - now_ms % 86'400'000;
}

// Each alert once per budget, subject and window in this process: said by the first request
// that finds the spend past the line, not only by the one that took it across (two requests on
// two event loops may each read the spend before the other's cost is on it: both would see a
// crossing, or neither). A restart, or another replica, may say it again.
bool first_in_window(std::string_view event, const config::BudgetSpec& b,
                     const std::string& subject, std::int64_t window) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::int64_t> sent;  // key → window it was sent in
  std::string key(event);
  key += '|';
  if (!b.id.empty()) {
    key += b.id;
  } else {  // a budget of the file or of a key: what it is
    key += config::scope_name(b.scope);
    key += ':' + b.match + ':' + std::string(config::period_name(b.per)) + ':' +
           std::to_string(b.usd.value_or(0));
  }
  key += '|' + subject;
  std::lock_guard lock(mutex);
  if (sent.size() >= 4096)  // windows over a month old are done with
    std::erase_if(sent, [&](const auto& kv) { return kv.second < window - 32LL * 86'400'000; });
  auto [it, inserted] = sent.try_emplace(std::move(key), window);
  if (!inserted && it->second == window) return false;
  it->second = window;
  return true;
}

}  // namespace

void AccountingPolicy::send_alert(const RequestContext& ctx, std::string_view event,
                                  const config::BudgetSpec& b, const std::string& subject,
                                  double spent_usd, std::int64_t now_ms) const {
  if (alerts_ == nullptr) return;
  const auto& hooks = ctx.snapshot->alerts.webhooks;
  if (std::none_of(hooks.begin(), hooks.end(), [&](const auto& h) { return h.wants(event); }))
    return;
  // MLflow's budget_policy.exceeded payload (mlflow/webhooks/types.py), and sluice's own fields.
  std::string scope(config::scope_name(b.scope));
  for (auto& c : scope) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const bool monthly = b.per == config::Period::kMonth;
  const boost::json::object body{
      {"event", event},
      {"ts_ms", now_ms},
      {"budget_policy_id", b.id},
      {"budget_unit", "USD"},
      {"budget_amount", *b.usd},
      {"current_spend", spent_usd},
      {"duration_unit", monthly ? "MONTHS" : "DAYS"},
      {"duration_value", 1},
      {"target_scope", scope},
      {"target_value", subject},
      {"workspace", ctx.workspace.empty() ? std::string_view("default") : ctx.workspace},
      {"window_start", window_start_ms(b.per, now_ms)},
      {"on_exceed", config::on_exceed_name(b.on_exceed)},
      {"alert_at", b.alert_at},
      {"request_id", ctx.request_id}};
  const std::string text = boost::json::serialize(body);
  for (const auto& h : hooks) {
    if (h.wants(event)) alerts_->submit({h.url, h.target, h.secret, std::string(event), text});
  }
}

void AccountingPolicy::account(RequestContext& ctx, AccountingState& state, unsigned status) const {
  if (state.accounted || !(ctx.upstream_called || ctx.cache.hit) || ctx.endpoint == nullptr) return;
  state.accounted = true;
  price_request(ctx);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  stores::LedgerEntry e;
  e.ts_ms = now;
  e.request_id = ctx.request_id;
  if (ctx.key) {
    e.key_id = ctx.key->id;
    e.team = ctx.key->team;
    e.user = ctx.key->user;
  }
  e.workspace = ctx.workspace;
  e.endpoint = ctx.endpoint->name;
  e.provider = ctx.endpoint->provider;
  e.model = ctx.model_name();
  e.status = status;
  e.latency_ms =
      std::chrono::duration<double, std::milli>(pipeline::Clock::now() - ctx.started).count();
  if (ctx.first_token_at)
    e.ttft_ms =
        std::chrono::duration<double, std::milli>(*ctx.first_token_at - ctx.started).count();
  if (!ctx.guardrail_events.empty()) {
    boost::json::array acted;
    for (const auto& g : ctx.guardrail_events)
      acted.emplace_back(boost::json::object{{"name", g.guardrail},
                                             {"action", g.action},
                                             {"entity", g.entity},
                                             {"on", g.output ? "output" : "input"},
                                             {"count", g.count}});
    e.guardrails = boost::json::serialize(acted);
  }
  e.prompt_tokens = ctx.usage.prompt_tokens.value_or(0);
  e.completion_tokens = ctx.usage.completion_tokens.value_or(0);
  e.cached_tokens = ctx.usage.cached_tokens.value_or(0);
  e.reasoning_tokens = ctx.usage.reasoning_tokens.value_or(0);
  e.cache_write_tokens = ctx.usage.cache_write_tokens.value_or(0);
  e.cost_usd = ctx.cost_usd.value_or(0);
  e.priced = ctx.cost_usd.has_value() || ctx.usage.empty();
  if (ctx.cache.hit) {
    // Nothing was billed: the answer's tokens count as cached, its price as saved, so token
    // budgets and spend see nothing while the ledger shows what the cache did.
    e.cached_tokens = e.prompt_tokens + e.completion_tokens;
    e.prompt_tokens = e.completion_tokens = e.reasoning_tokens = e.cache_write_tokens = 0;
    e.saved_usd = ctx.cache.saved_usd.value_or(0);  // priced by the cache policy
    e.priced = true;
  }

  // Budgets' alert thresholds: the spend after this request against each line.
  const governance::BudgetList stored = runtime_.store_budgets_if_any();
  const bool has_budgets = !ctx.snapshot->governance.budgets.empty() ||
                           (ctx.key && ctx.key->budget) || (stored && !stored->empty());
  std::vector<double> before;
  governance::Subject s{e.key_id, e.team, e.user, e.endpoint, e.provider, e.workspace};
  auto each_budget = [&](auto&& f) {
    governance::each_budget(ctx.key.get(), ctx.snapshot->governance, stored,
                            [&](const config::BudgetSpec& b) {
                              f(b);
                              return true;
                            });
  };
  if (has_budgets && e.cost_usd > 0) {
    each_budget([&](const config::BudgetSpec& b) {
      auto who = governance::counted_as(b.scope, b.match, s);
      before.push_back(who ? runtime_.spend().spent(b.scope, *who, b.per, now) : -1);
    });
  }
  if (e.cost_usd > 0) {
    observability::Metrics::global().spend_nano_usd.fetch_add(
        static_cast<std::uint64_t>(e.cost_usd * 1e9), std::memory_order_relaxed);
  }
  if (!before.empty()) {
    std::size_t i = 0;
    each_budget([&](const config::BudgetSpec& b) {
      const double was = before[i++];
      if (was < 0 || !b.usd || *b.usd <= 0) return;
      const double now_spent = was + e.cost_usd;
      const double threshold = *b.usd * b.alert_at;
      auto who = governance::counted_as(b.scope, b.match, s);
      const std::string subject = who ? std::string(*who) : std::string();
      const std::int64_t window = window_start_ms(b.per, now);
      if (now_spent >= threshold && b.alert_at < 1 &&
          first_in_window(config::kBudgetThreshold, b, subject, window)) {
        observability::Metrics::global().budget_alerts.fetch_add(1, std::memory_order_relaxed);
        std::cerr << "sluice: budget alert: " << config::scope_name(b.scope) << " '" << subject
                  << "' has spent $" << now_spent << " of $" << *b.usd << " this "
                  << config::period_name(b.per) << "\n";
        send_alert(ctx, config::kBudgetThreshold, b, subject, now_spent, now);
      }
      if (now_spent >= *b.usd && first_in_window(config::kBudgetExceeded, b, subject, window)) {
        observability::Metrics::global().budget_exceeded.fetch_add(1, std::memory_order_relaxed);
        std::cerr << "sluice: budget exceeded: " << config::scope_name(b.scope) << " '" << subject
                  << "' has spent $" << now_spent << " of $" << *b.usd << " this "
                  << config::period_name(b.per) << "\n";
        send_alert(ctx, config::kBudgetExceeded, b, subject, now_spent, now);
      }
    });
  }
  runtime_.ledger()->record(std::move(e));  // adds it to the spend view too
}

}  // namespace sluice::policies
