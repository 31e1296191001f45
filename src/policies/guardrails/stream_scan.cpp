#include "policies/guardrails/stream_scan.hpp"

#include <algorithm>

namespace sluice::policies {

std::string StreamScan::feed(std::string_view piece, const Finder& find, std::vector<Hit>& found) {
  buffer_.append(piece);
  std::string out = hold_ ? std::string() : std::string(piece);
  if (buffer_.size() - context_ > window_) settle(buffer_.size() - window_, find, found, out);
  return out;
}

std::string StreamScan::finish(const Finder& find, std::vector<Hit>& found) {
  std::string out;
  settle(buffer_.size(), find, found, out);
  return out;
}

void StreamScan::settle(std::size_t upto, const Finder& find, std::vector<Hit>& found,
                        std::string& out) {
  // The whole buffer is scanned: the bytes after `upto` are the context a finding's edges are
  // judged by, as in a scan of the whole text; the few before it, already settled, too.
  std::vector<Hit> hits;
  find(buffer_, hits);
  for (const auto& h : hits) {
    if (h.begin < context_) continue;  // settled, and reported, before
    if (h.begin >= upto) break;
    if (h.end > upto) {
      upto = h.begin;  // reaches into what is kept: settled with it later
      break;
    }
    found.push_back(h);
  }
  if (hold_) out.append(buffer_, context_, upto - context_);
  const std::size_t keep = std::min(upto, kContextBytes);
  buffer_.erase(0, upto - keep);
  context_ = keep;
}

}  // namespace sluice::policies
