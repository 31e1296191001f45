#pragma once
// Watching a stream's text for what a guardrail finds, when it is to be blocked or only counted
// (masking rewrites it: guardrails::StreamMasker). The last `window` bytes are kept so a value cut
// between two pieces is found whole; with `hold`, they are also held back from the client until
// they are settled, so a value is found before any of it goes out (blocking). Without `hold`,
// text goes on at once and is only scanned (monitoring).
//
// Each settled span is reported once. Not thread-safe (one stream's, on its thread).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::policies {

struct Hit {
  std::size_t begin = 0;  // byte offsets into the text scanned
  std::size_t end = 0;
  std::string_view label;  // entity name, heuristic kind, "deny"
};

// Appends what a guardrail finds in `text` to `out`, in order of position.
using Finder = std::function<void(std::string_view text, std::vector<Hit>& out)>;

class StreamScan {
 public:
  StreamScan(std::size_t window, bool hold) : window_(window), hold_(hold) {}
  // The text that can go on now; what was found in it is appended to `found`.
  std::string feed(std::string_view piece, const Finder& find, std::vector<Hit>& found);
  // The rest, at the end of the stream.
  std::string finish(const Finder& find, std::vector<Hit>& found);

 private:
  void settle(std::size_t upto, const Finder& find, std::vector<Hit>& found, std::string& out);
  static constexpr std::size_t kContextBytes = 16;
  std::size_t window_;
  bool hold_;
  std::string buffer_;  // context_ bytes already settled, then the unsettled ones
  std::size_t context_ = 0;
};

}  // namespace sluice::policies
