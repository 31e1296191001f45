#pragma once
// Incremental Server-Sent Events parser (WHATWG HTML "event stream interpretation").
// Input may be split anywhere, including inside a CRLF pair or a UTF-8 sequence; lines end in
// LF, CR or CRLF; `data:` lines of one event are joined with "\n"; `:` lines are comments.

#include <functional>
#include <string>
#include <string_view>

namespace sluice::upstream {

struct SseEvent {
  std::string event;  // empty means the default "message"
  std::string data;
  std::string id;
};

class SseParser {
 public:
  // Calls `on_event` for each complete event found in `bytes`. Returns false (and stops) as soon
  // as `on_event` returns false.
  bool feed(std::string_view bytes, const std::function<bool(SseEvent&)>& on_event);
  // True when bytes of an unfinished event are buffered (the stream was cut mid-event).
  bool has_partial_event() const { return !line_.empty() || has_data_ || !event_.event.empty(); }

 private:
  bool process_line(std::string_view line, const std::function<bool(SseEvent&)>& on_event);

  std::string line_;
  bool last_was_cr_ = false;
  bool has_data_ = false;
  SseEvent event_;
};

}  // namespace sluice::upstream
