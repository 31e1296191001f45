#pragma once
// The deadlines of one upstream call, per phase; every wait has one. Set per endpoint and per
// route in the config (config/route.hpp), applied by the upstream client.

#include <chrono>

namespace sluice::upstream {

struct UpstreamTimeouts {
  std::chrono::milliseconds connect{10'000};
  // Request sent → response head (non-stream: the whole answer computed).
  std::chrono::milliseconds first_byte{120'000};
  std::chrono::milliseconds total{600'000};
  // The longest silence between two pieces of a streamed body.
  std::chrono::milliseconds stream_idle{60'000};
};

}  // namespace sluice::upstream
