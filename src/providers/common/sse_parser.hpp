#pragma once
// Incremental Server-Sent Events parser (WHATWG HTML "event stream interpretation").
// Input may be split anywhere, including inside a CRLF pair or a UTF-8 sequence; lines end in
// LF, CR or CRLF; `data:` lines of one event are joined with "\n"; `:` lines are comments.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sluice::providers::common {

struct SseEvent {
  std::string event;  // empty means the default "message"
  std::string data;
  std::string id;
};

// The most bytes one event (its data so far plus the line being read) may hold; more and the
// parser stops. server.upstream_max_event_bytes, set whenever a config is loaded; parsers
// created afterwards use it.
void set_max_event_bytes(std::size_t bytes);
std::size_t max_event_bytes();

class SseParser {
 public:
  static constexpr std::string_view kTooLarge =
      "provider sent a stream event larger than server.upstream_max_event_bytes";

  SseParser() : limit_(max_event_bytes()) {}
  explicit SseParser(std::size_t max_event_bytes) : limit_(max_event_bytes) {}

  // Calls `on_event` for each complete event found in `bytes`. Returns false (and stops) as soon
  // as `on_event` returns false, or when an event grows past the limit (overflowed() is then
  // true and every later call returns false at once, holding nothing more).
  bool feed(std::string_view bytes, const std::function<bool(SseEvent&)>& on_event);
  // True when bytes of an unfinished event are buffered (the stream was cut mid-event).
  bool has_partial_event() const { return !line_.empty() || has_data_ || !event_.event.empty(); }
  bool overflowed() const { return overflowed_; }

 private:
  bool process_line(std::string_view line, const std::function<bool(SseEvent&)>& on_event);

  bool overflow();

  std::size_t limit_;
  bool overflowed_ = false;
  std::string line_;
  bool last_was_cr_ = false;
  bool has_data_ = false;
  SseEvent event_;
};

}  // namespace sluice::providers::common
