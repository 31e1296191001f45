#include "cli/prices.hpp"

#include <cstdio>
#include <iostream>

#include "config/loader.hpp"
#include "pipeline/paths.hpp"
#include "pricing/price_table.hpp"

namespace sluice::cli {

namespace {

std::string per_million(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", usd);
  return buf;
}

}  // namespace

int prices_check(const std::string& config_path) {
  auto loaded = config::load_file(config_path, config::process_env, pipeline::is_reserved_path);
  if (!loaded) {
    std::cerr << "sluice: " << loaded.error().message << "\n";
    return 1;
  }
  const config::Snapshot& s = **loaded;
  std::size_t missing = 0;
  for (const auto& e : s.endpoints) {
    const pricing::ModelPrice* price =
        s.governance.prices ? s.governance.prices->find(e.provider, e.model_name) : nullptr;
    std::cout << e.name << "\t" << e.provider << "\t" << e.model_name << "\t";
    if (price == nullptr) {
      ++missing;
      std::cout << "no price: its cost is not counted; add it under pricing." << e.provider << "\n";
      continue;
    }
    std::cout << "USD per 1M tokens: input " << per_million(price->input) << ", output "
              << per_million(price->output);
    if (price->cached_input) std::cout << ", cached_input " << per_million(*price->cached_input);
    if (price->cache_write) std::cout << ", cache_write " << per_million(*price->cache_write);
    if (price->reasoning) std::cout << ", reasoning " << per_million(*price->reasoning);
    if (price->long_context) {
      std::cout << "; above " << price->long_context_above << " prompt tokens: input "
                << per_million(price->long_context->input) << ", output "
                << per_million(price->long_context->output);
    }
    for (const auto& [tier, rates] : price->service_tiers) {
      std::cout << "; " << tier << " tier: input " << per_million(rates->input) << ", output "
                << per_million(rates->output);
    }
    std::cout << "\n";
  }
  if (s.governance.prices && !s.governance.prices->updated().empty()) {
    std::cerr << "sluice: built-in price table of " << s.governance.prices->updated()
              << " (list prices; entries under pricing: in the config win)\n";
  }
  if (missing > 0)
    std::cerr << "sluice: " << missing << " of " << s.endpoints.size()
              << " endpoints have no price\n";
  return missing > 0 ? 1 : 0;
}

}  // namespace sluice::cli
