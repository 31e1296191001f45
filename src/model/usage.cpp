#include "model/usage.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace sluice::model {
namespace {

std::optional<std::uint64_t> count(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}

}  // namespace

Usage usage_from_openai(const boost::json::value* usage) {
  Usage u;
  if (usage == nullptr || !usage->is_object()) return u;
  const auto& o = usage->get_object();
  u.prompt_tokens = count(o, "prompt_tokens");
  u.completion_tokens = count(o, "completion_tokens");
  u.total_tokens = count(o, "total_tokens");
  if (const auto* d = o.if_contains("prompt_tokens_details"); d && d->is_object()) {
    u.cached_tokens = count(d->get_object(), "cached_tokens");
  }
  if (const auto* d = o.if_contains("completion_tokens_details"); d && d->is_object()) {
    u.reasoning_tokens = count(d->get_object(), "reasoning_tokens");
  }
  if (!u.total_tokens && (u.prompt_tokens || u.completion_tokens)) {
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  }
  // A provider that bills each request says what it charged (OpenRouter: usage.cost, in USD).
  if (const auto* cost = o.if_contains("cost"); cost && cost->is_number() && !u.empty()) {
    const double usd = cost->to_number<double>();
    if (std::isfinite(usd) && usd >= 0) u.billed_usd = usd;
  }
  return u;
}

boost::json::object usage_to_openai(const Usage& usage) {
  boost::json::object o;
  if (usage.prompt_tokens) o["prompt_tokens"] = *usage.prompt_tokens;
  if (usage.completion_tokens) o["completion_tokens"] = *usage.completion_tokens;
  if (usage.total_tokens) o["total_tokens"] = *usage.total_tokens;
  if (usage.cached_tokens) o["prompt_tokens_details"] = {{"cached_tokens", *usage.cached_tokens}};
  if (usage.reasoning_tokens) {
    o["completion_tokens_details"] = {{"reasoning_tokens", *usage.reasoning_tokens}};
  }
  return o;
}

void read_service_tier(const boost::json::object& answer, Usage& usage) {
  const auto* tier = answer.if_contains("service_tier");
  // A tier is a short word; anything else is not one to price by (nor to keep).
  if (tier != nullptr && tier->is_string() && !tier->get_string().empty() &&
      tier->get_string().size() <= 32)
    usage.service_tier = tier->get_string();
}

void drop_implausible(Usage& u) {
  for (auto* count : {&u.prompt_tokens, &u.completion_tokens, &u.total_tokens, &u.cached_tokens,
                      &u.reasoning_tokens, &u.cache_write_tokens}) {
    if (*count && **count > kMaxTokens) count->reset();
  }
  if (u.billed_usd && *u.billed_usd > kMaxBilledUsd) u.billed_usd.reset();
}

}  // namespace sluice::model
