#pragma once
// Wall-clock time as the stores and the wire keep it: milliseconds since the Unix epoch.

#include <chrono>
#include <cstdint>

namespace sluice::util {

inline std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::util
