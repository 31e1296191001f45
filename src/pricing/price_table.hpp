#pragma once
// What tokens cost, per provider and model: the built-in table (data/pricing.yaml, linked into
// the binary) with the config's `pricing:` on top. Immutable once built; part of the snapshot.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/usage.hpp"

namespace sluice::pricing {

// USD per 1 million tokens.
struct ModelPrice {
  double input = 0;
  double output = 0;
  std::optional<double> cached_input;  // default: input
  std::optional<double> cache_write;   // default: input
  std::optional<double> reasoning;     // default: output
  // Long-context pricing (Gemini 2.5 Pro above 200k prompt tokens, Claude's 1M-context window
  // above 200k): a request whose prompt (cached and written tokens included) has more than
  // `long_context_above` tokens is billed wholly at `long_context`'s rates, as those providers
  // bill it.
  std::uint64_t long_context_above = 0;
  std::shared_ptr<const ModelPrice> long_context{};
  // Rates by processing tier (OpenAI's flex at half price, priority above it), used when the
  // provider's answer says that tier served the request (model::Usage::service_tier). A tier not
  // listed is billed at the rates above.
  std::map<std::string, std::shared_ptr<const ModelPrice>, std::less<>> service_tiers{};

  // The rates for a tier: its own, else these.
  const ModelPrice& for_tier(std::string_view tier) const {
    if (tier.empty() || service_tiers.empty()) return *this;
    auto it = service_tiers.find(tier);
    return it == service_tiers.end() ? *this : *it->second;
  }
};

class PriceTable {
 public:
  void set(std::string provider, std::string model, ModelPrice price);
  // The entry for the model: exact, else the longest entry that is a prefix of it followed by
  // '-', ':', '@' or '.'. Azure OpenAI reads the openai table, Vertex AI the gemini one, and
  // Bedrock model ids lose their region prefix (us., eu., apac., global.).
  const ModelPrice* find(std::string_view provider, std::string_view model) const;
  std::size_t size() const;
  // The day the built-in table was last updated (its `updated:`), YYYY-MM-DD.
  void set_updated(std::string day) { updated_ = std::move(day); }
  const std::string& updated() const { return updated_; }

 private:
  std::string updated_;
  std::map<std::string, std::map<std::string, ModelPrice, std::less<>>, std::less<>> table_;
};

// The cost of one request's usage. Cached and cache-write tokens are part of prompt_tokens and
// priced apart from fresh input; reasoning tokens are part of completion_tokens; the tier the
// usage names takes its own rates; a prompt past long_context_above takes the long-context rates
// for the whole request. Empty usage
// has no cost (nullopt), which is not the same as a cost of 0.
std::optional<double> cost_usd(const ModelPrice& price, const model::Usage& usage);

// The built-in table's YAML (data/pricing.yaml).
std::string_view builtin_pricing_yaml();

}  // namespace sluice::pricing
