// Incremental SSE parser (src/providers/common/sse_parser.hpp). The same bytes fed in one piece,
// split at a point derived from the input, and one byte at a time must give the same events and the
// same partial state; events never hold more bytes than were fed, nor line ends in single-line
// fields; and a callback that returns false stops the parser at once. Where the parser takes a
// per-event byte limit (SseParser(limit), overflowed()), it is also run with a small limit derived
// from the input: where it overflows must not depend on how the bytes were split, no event may
// exceed the limit, and an overflowed parser takes nothing more.
#include <concepts>
#include <cstddef>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "providers/common/sse_parser.hpp"

namespace {

using sluice::providers::common::SseEvent;
using sluice::providers::common::SseParser;

struct Outcome {
  std::vector<SseEvent> events;
  bool partial = false;
  bool overflowed = false;
};

// A parser with a per-event limit, in the versions of SseParser that have one.
template <typename P>
concept LimitedParser = requires(P& p, std::size_t limit) {
  P(limit);
  { p.overflowed() } -> std::same_as<bool>;
};

// Feeds `in` cut at `cuts`; `limit` 0 means the parser's default limit.
template <typename P = SseParser>
Outcome feed_pieces(std::string_view in, const std::vector<std::size_t>& cuts,
                    std::size_t limit = 0) {
  Outcome out;
  auto parser = [&] {
    if constexpr (LimitedParser<P>) {
      return limit == 0 ? P() : P(limit);
    } else {
      return P();
    }
  }();
  std::size_t from = 0;
  auto feed = [&](std::size_t to) {
    const std::size_t before = out.events.size();
    const bool ok = parser.feed(in.substr(from, to - from), [&](SseEvent& e) {
      out.events.push_back(e);
      return true;
    });
    if (out.overflowed) {
      SLUICE_FUZZ_CHECK(!ok && out.events.size() == before, "an overflowed parser takes nothing");
    } else if (!ok) {
      if constexpr (LimitedParser<P>) {
        out.overflowed = parser.overflowed();
      }
      SLUICE_FUZZ_CHECK(out.overflowed, "feed returns true while the callback does");
    }
    from = to;
  };
  for (std::size_t cut : cuts) feed(cut);
  feed(in.size());
  out.partial = parser.has_partial_event();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.events.size() != b.events.size() || a.partial != b.partial || a.overflowed != b.overflowed)
    return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const auto &x = a.events[i], &y = b.events[i];
    if (x.event != y.event || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = sluice::fuzz::as_text(data, size);

  const Outcome whole = feed_pieces(in, {});
  std::size_t reported = 0;
  for (const auto& e : whole.events) {
    reported += e.event.size() + e.data.size() + e.id.size();
    SLUICE_FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string::npos, "no line end in event");
    SLUICE_FUZZ_CHECK(e.id.find_first_of("\r\n") == std::string::npos, "no line end in id");
    SLUICE_FUZZ_CHECK(e.data.find('\r') == std::string::npos, "no CR in data");
  }
  SLUICE_FUZZ_CHECK(reported <= size, "events hold more bytes than were fed");

  SLUICE_FUZZ_CHECK(
      same(whole, feed_pieces(in, {sluice::fuzz::split_point(in)})),
      "a split at " + std::to_string(sluice::fuzz::split_point(in)) + " changes the events");
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < size; ++i) every.push_back(i);
  SLUICE_FUZZ_CHECK(same(whole, feed_pieces(in, every)), "byte-at-a-time changes the events");

  if constexpr (LimitedParser<SseParser>) {
    // A small limit, derived from the input, so overflows happen.
    const std::size_t limit = 1 + (size == 0 ? 0 : static_cast<std::uint8_t>(data[0])) * 2;
    const Outcome capped = feed_pieces(in, {}, limit);
    for (const auto& e : capped.events)
      SLUICE_FUZZ_CHECK(e.data.size() <= limit, "an event's data stays within the limit");
    SLUICE_FUZZ_CHECK(same(capped, feed_pieces(in, {sluice::fuzz::split_point(in)}, limit)),
                      "a split changes where the limit is hit");
    SLUICE_FUZZ_CHECK(same(capped, feed_pieces(in, every, limit)),
                      "byte-at-a-time changes where the limit is hit");
    if (!capped.overflowed) SLUICE_FUZZ_CHECK(same(capped, whole), "under the limit, no change");
  }

  // A callback that refuses the first event stops the parser there.
  if (!whole.events.empty()) {
    SseParser parser;
    int calls = 0;
    const bool ok = parser.feed(in, [&](SseEvent&) {
      ++calls;
      return false;
    });
    SLUICE_FUZZ_CHECK(!ok && calls == 1, "feed stops at the first refused event");
  }
  return 0;
}
