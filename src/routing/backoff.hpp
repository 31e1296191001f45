#pragma once
// When to try a destination again: exponential backoff with full jitter (a uniform draw in
// [0, min(max, base·2^n)]), so clients that failed together do not come back together; a
// provider's Retry-After, when it gives one, replaces the draw.

#include <chrono>
#include <optional>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "config/route.hpp"

namespace sluice::routing {

// The upper bound of the n-th retry's delay (n from 0): min(max_backoff, backoff·2^n).
std::chrono::milliseconds backoff_cap(const config::RetryPolicy& policy, unsigned retry);
// The jittered delay for the n-th retry.
std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, unsigned retry,
                                        std::minstd_rand& rng);

// How long a provider asked to be left alone, from its response headers (names lower-case):
// `retry-after-ms`, else `retry-after` (seconds or an HTTP date), else the longer of OpenAI's
// `x-ratelimit-reset-requests`/`-tokens` ("1s", "6m0s", "250ms"). `now_unix_s` is only used for
// HTTP dates.
std::optional<std::chrono::milliseconds> provider_retry_after(
    const std::vector<std::pair<std::string, std::string>>& headers, long long now_unix_s);

// "6m0s", "1.5s", "250ms", "2h" → milliseconds (OpenAI's reset-header format).
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

}  // namespace sluice::routing
