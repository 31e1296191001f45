#pragma once
// Token usage as the provider reported it. Every field is optional because "not reported" is not 0.

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::model {

struct Usage {
  std::optional<std::uint64_t> prompt_tokens;
  std::optional<std::uint64_t> completion_tokens;
  std::optional<std::uint64_t> total_tokens;
  std::optional<std::uint64_t> cached_tokens;     // prompt_tokens_details.cached_tokens
  std::optional<std::uint64_t> reasoning_tokens;  // completion_tokens_details.reasoning_tokens
  // Prompt tokens written to the provider's cache (Anthropic, Bedrock): priced apart from both
  // fresh and cached input; counted in prompt_tokens.
  std::optional<std::uint64_t> cache_write_tokens;
  // The processing tier that served the request, as the provider's answer names it (OpenAI's
  // `service_tier`: default, flex, priority, scale); priced at that tier's rates where the price
  // table has them. Empty: not said.
  std::string service_tier{};
  // What the provider says the request cost, in USD, when it bills per request (OpenRouter's
  // usage.cost): the price of record, over the price table.
  std::optional<double> billed_usd{};

  bool empty() const { return !prompt_tokens && !completion_tokens && !total_tokens; }
};

// Drops what no real request reports: a count above kMaxTokens (10^10), a bill above
// kMaxBilledUsd ($10,000). What is dropped counts as not reported (the tokenizer fills it in).
inline constexpr std::uint64_t kMaxTokens = 10'000'000'000ULL;
inline constexpr double kMaxBilledUsd = 10'000;
void drop_implausible(Usage& usage);

// Sets usage.service_tier from an OpenAI answer's (or Responses object's) top-level
// `service_tier`, when it names one.
void read_service_tier(const boost::json::object& answer, Usage& usage);

// Reads OpenAI's `usage` object (chat, completions and embeddings shapes). Missing → empty.
Usage usage_from_openai(const boost::json::value* usage);
// Writes `usage` in OpenAI's shape; absent counts are left out rather than written as 0.
boost::json::object usage_to_openai(const Usage& usage);

}  // namespace sluice::model
