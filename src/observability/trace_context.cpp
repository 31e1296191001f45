#include "observability/trace_context.hpp"

#include <algorithm>
#include <random>

namespace sluice::observability {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not allowed (§3.2.2.3)
}

template <std::size_t N>
bool read_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  bool any = false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    any = any || out[i] != 0;
  }
  return any;
}

std::mt19937_64& generator() {
  thread_local std::mt19937_64 gen = [] {
    std::random_device device;  // 32 bits a call: several, for a 64-bit state worth having
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return gen;
}

template <std::size_t N>
std::array<std::uint8_t, N> random_id() {
  std::array<std::uint8_t, N> id{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t v = generator()();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j)
        id[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
  } while (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; }));
  return id;
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::array<std::uint8_t, 1> version{}, flags{};
  const int v0 = hex_value(h[0]), v1 = hex_value(h[1]);
  if (v0 < 0 || v1 < 0) return std::nullopt;
  version[0] = static_cast<std::uint8_t>(v0 * 16 + v1);
  if (version[0] == 0xff) return std::nullopt;  // forbidden version
  if (version[0] == 0 && h.size() != 55) return std::nullopt;
  if (version[0] != 0 && h.size() > 55 && h[55] != '-') return std::nullopt;
  TraceParent p;
  if (!read_hex(h.substr(3, 32), p.trace_id) || !read_hex(h.substr(36, 16), p.parent_id))
    return std::nullopt;
  const int f0 = hex_value(h[53]), f1 = hex_value(h[54]);
  if (f0 < 0 || f1 < 0) return std::nullopt;
  flags[0] = static_cast<std::uint8_t>(f0 * 16 + f1);
  p.sampled = (flags[0] & 1) != 0;
  return p;
}

std::string format_traceparent(const TraceId& trace, const SpanId& span, bool sampled) {
  return "00-" + to_hex(trace) + "-" + to_hex(span) + (sampled ? "-01" : "-00");
}

TraceId new_trace_id() { return random_id<16>(); }
SpanId new_span_id() { return random_id<8>(); }

bool is_zero(const SpanId& id) {
  return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
}

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

bool sampled_by_ratio(const TraceId& trace, double ratio) {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  // The low 8 bytes, big-endian, as an unsigned 63-bit number against ratio * 2^63.
  std::uint64_t v = 0;
  for (std::size_t i = 8; i < 16; ++i) v = (v << 8) | trace[i];
  v >>= 1;
  return static_cast<double>(v) < ratio * 9223372036854775808.0;
}

}  // namespace sluice::observability
