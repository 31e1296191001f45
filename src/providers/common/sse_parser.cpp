#include "providers/common/sse_parser.hpp"

#include <atomic>

namespace sluice::providers::common {

namespace {
std::atomic<std::size_t> g_max_event_bytes{1024 * 1024};
}  // namespace

void set_max_event_bytes(std::size_t bytes) { g_max_event_bytes.store(bytes); }
std::size_t max_event_bytes() { return g_max_event_bytes.load(std::memory_order_relaxed); }

bool SseParser::overflow() {
  overflowed_ = true;
  line_.clear();
  line_.shrink_to_fit();
  event_ = SseEvent{};
  has_data_ = false;
  return false;
}

bool SseParser::feed(std::string_view bytes, const std::function<bool(SseEvent&)>& on_event) {
  if (overflowed_) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    if (c == '\n' && last_was_cr_ && i == start && line_.empty()) {
      // Second half of a CRLF split across (or within) reads: the line already ended at CR.
      last_was_cr_ = false;
      start = i + 1;
      continue;
    }
    if (line_.size() + (i - start) + event_.data.size() > limit_) return overflow();
    line_.append(bytes.substr(start, i - start));
    last_was_cr_ = c == '\r';
    start = i + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (!process_line(line, on_event)) return false;
  }
  if (start < bytes.size()) {
    if (line_.size() + (bytes.size() - start) + event_.data.size() > limit_) return overflow();
    line_.append(bytes.substr(start));
    last_was_cr_ = false;
  }
  return true;
}

bool SseParser::process_line(std::string_view line,
                             const std::function<bool(SseEvent&)>& on_event) {
  if (line.empty()) {  // blank line: dispatch
    bool keep_going = true;
    if (has_data_) {
      keep_going = on_event(event_);
    }
    event_ = SseEvent{};
    has_data_ = false;
    return keep_going;
  }
  if (line.front() == ':') return true;  // comment (keep-alive pings)
  std::string_view field = line, value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) event_.data += '\n';
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.event = value;
  } else if (field == "id") {
    event_.id = value;
  }
  return true;  // `retry` and unknown fields are ignored, as the spec says
}

}  // namespace sluice::providers::common
