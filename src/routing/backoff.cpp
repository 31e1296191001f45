#include "routing/backoff.hpp"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

namespace sluice::routing {
using std::chrono::milliseconds;

milliseconds backoff_cap(const config::RetryPolicy& policy, unsigned retry) {
  const double cap = static_cast<double>(policy.backoff.count()) *
                     std::ldexp(1.0, static_cast<int>(std::min(retry, 30u)));
  return milliseconds(
      static_cast<long long>(std::min(cap, static_cast<double>(policy.max_backoff.count()))));
}

milliseconds backoff_delay(const config::RetryPolicy& policy, unsigned retry,
                           std::minstd_rand& rng) {
  const auto cap = backoff_cap(policy, retry).count();
  if (cap <= 0) return milliseconds(0);
  std::uniform_int_distribution<long long> draw(0, cap);
  return milliseconds(draw(rng));
}

std::optional<milliseconds> parse_go_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  while (!text.empty()) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || value < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    std::size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len])))
      ++unit_len;
    std::string_view unit = text.substr(0, unit_len);
    text.remove_prefix(unit_len);
    if (unit == "ms") {
      total_ms += value;
    } else if (unit == "s") {
      total_ms += value * 1000;
    } else if (unit == "m") {
      total_ms += value * 60'000;
    } else if (unit == "h") {
      total_ms += value * 3'600'000;
    } else {
      return std::nullopt;
    }
  }
  return milliseconds(static_cast<long long>(std::ceil(total_ms)));
}

namespace {

std::optional<milliseconds> parse_seconds_or_date(const std::string& value, long long now_unix_s) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return milliseconds(seconds * 1000);
  }
  std::tm tm{};
  if (const char* rest = ::strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
      rest != nullptr && *rest == '\0') {
    const long long at = static_cast<long long>(::timegm(&tm));
    return milliseconds(std::max(0LL, at - now_unix_s) * 1000);
  }
  return std::nullopt;
}

}  // namespace

std::optional<milliseconds> provider_retry_after(
    const std::vector<std::pair<std::string, std::string>>& headers, long long now_unix_s) {
  // An explicit Retry-After wins; the reset headers only say when a quota refills, and the
  // longer of the two is the safe reading when the provider did not say which one ran out.
  std::optional<milliseconds> explicit_ms, explicit_s, reset;
  for (const auto& [name, value] : headers) {
    if (::strcasecmp(name.c_str(), "retry-after-ms") == 0) {
      long long ms = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec == std::errc{} && end == value.data() + value.size() && ms >= 0)
        explicit_ms = milliseconds(ms);
    } else if (::strcasecmp(name.c_str(), "retry-after") == 0) {
      explicit_s = parse_seconds_or_date(value, now_unix_s);
    } else if (::strcasecmp(name.c_str(), "x-ratelimit-reset-requests") == 0 ||
               ::strcasecmp(name.c_str(), "x-ratelimit-reset-tokens") == 0) {
      if (auto v = parse_go_duration(value); v && (!reset || *v > *reset)) reset = v;
    }
  }
  if (explicit_ms) return explicit_ms;
  if (explicit_s) return explicit_s;
  return reset;
}

}  // namespace sluice::routing
