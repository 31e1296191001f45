#pragma once
#include <string_view>

namespace sluice::util {

// Compares secrets without leaking, through timing, how long a prefix matched.
inline bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(i < n ? a[i] ^ b[i] : 1);
  }
  return diff == 0;
}

}  // namespace sluice::util
