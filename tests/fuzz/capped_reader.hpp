#pragma once
// The fuzz input as bytes arriving from a peer into a read buffer capped the way the server
// (header limit + 1 KiB) and the upstream client (kMaxReadBuffer) cap theirs: each read takes
// what fits, and the input arrives in two pieces split at a point derived from it.

#include <boost/beast/core/flat_buffer.hpp>
#include <cstring>
#include <string_view>

#include "fuzz_support.hpp"

namespace sluice::fuzz {

class CappedReader {
 public:
  CappedReader(std::string_view in, std::size_t cap)
      : in_(in), cut_(split_point(in)), buffer_(cap) {}

  boost::beast::flat_buffer& buffer() { return buffer_; }
  bool exhausted() const { return fed_ == in_.size(); }

  // One read: false when the input is used up or the buffer is full (a buffer_overflow, which
  // the server answers with 431/400 and the client with a 502).
  bool read() {
    if (exhausted()) return false;
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return false;
    const std::size_t until = fed_ < cut_ ? cut_ : in_.size();
    const std::size_t n = std::min(room, until - fed_);
    auto space = buffer_.prepare(n);
    std::memcpy(space.data(), in_.data() + fed_, n);
    buffer_.commit(n);
    fed_ += n;
    return true;
  }

 private:
  std::string_view in_;
  std::size_t cut_;
  std::size_t fed_ = 0;
  boost::beast::flat_buffer buffer_;
};

}  // namespace sluice::fuzz
