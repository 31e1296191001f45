#include "pricing/price_table.hpp"

#include <algorithm>

namespace sluice::pricing {

namespace {

std::string_view table_for(std::string_view provider) {
  if (provider == "azure" || provider == "azuread") return "openai";
  if (provider == "vertex_ai") return "gemini";
  if (provider == "amazon-bedrock") return "bedrock";
  return provider;
}

std::string_view without_region(std::string_view model) {
  for (std::string_view region : {"us.", "eu.", "apac.", "global.", "us-gov."}) {
    if (model.starts_with(region)) return model.substr(region.size());
  }
  return model;
}

bool is_boundary(char c) { return c == '-' || c == ':' || c == '@' || c == '.'; }

}  // namespace

void PriceTable::set(std::string provider, std::string model, ModelPrice price) {
  table_[std::move(provider)][std::move(model)] = price;
}

std::size_t PriceTable::size() const {
  std::size_t n = 0;
  for (const auto& [provider, models] : table_) n += models.size();
  return n;
}

const ModelPrice* PriceTable::find(std::string_view provider, std::string_view model) const {
  const std::string_view name = table_for(provider);
  // The provider's own entries first (a config may price "azure" apart), then its table's.
  for (std::string_view p : {provider, name}) {
    auto models = table_.find(p);
    if (models == table_.end()) continue;
    if (p == "bedrock" || p == "amazon-bedrock") model = without_region(model);
    if (auto exact = models->second.find(model); exact != models->second.end())
      return &exact->second;
    const ModelPrice* best = nullptr;
    std::size_t best_length = 0;
    for (const auto& [entry, price] : models->second) {
      if (entry.size() < model.size() && entry.size() > best_length && model.starts_with(entry) &&
          is_boundary(model[entry.size()])) {
        best = &price;
        best_length = entry.size();
      }
    }
    if (best != nullptr) return best;
  }
  return nullptr;
}

std::optional<double> cost_usd(const ModelPrice& listed, const model::Usage& usage) {
  if (usage.empty()) return std::nullopt;
  const ModelPrice& tiers = listed.for_tier(usage.service_tier);
  const std::uint64_t prompt = usage.prompt_tokens.value_or(0);
  const ModelPrice& price =
      tiers.long_context && prompt > tiers.long_context_above ? *tiers.long_context : tiers;
  const std::uint64_t cached = std::min(usage.cached_tokens.value_or(0), prompt);
  const std::uint64_t written = std::min(usage.cache_write_tokens.value_or(0), prompt - cached);
  const std::uint64_t fresh = prompt - cached - written;
  const std::uint64_t completion = usage.completion_tokens.value_or(0);
  const std::uint64_t reasoning = std::min(usage.reasoning_tokens.value_or(0), completion);
  const double micro_usd = static_cast<double>(fresh) * price.input +
                           static_cast<double>(cached) * price.cached_input.value_or(price.input) +
                           static_cast<double>(written) * price.cache_write.value_or(price.input) +
                           static_cast<double>(completion - reasoning) * price.output +
                           static_cast<double>(reasoning) * price.reasoning.value_or(price.output);
  return micro_usd / 1e6;
}

}  // namespace sluice::pricing
