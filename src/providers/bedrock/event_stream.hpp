#pragma once
// AWS's event-stream binary framing (application/vnd.amazon.eventstream), as ConverseStream
// sends it: each message is a prelude (total length, headers length, both big-endian u32, and
// the prelude's CRC32), headers (name, type, value), a payload, and the whole message's CRC32.
// Bytes may arrive split anywhere; a wrong CRC or length is an error, never a guess.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::providers::bedrock {

struct EventMessage {
  std::map<std::string, std::string> headers;  // string-valued headers (:event-type, …)
  std::string payload;
};

// CRC-32 (IEEE 802.3, as zlib computes it), continuing from `crc`.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

class EventStreamDecoder {
 public:
  // Appends the messages completed by `bytes` to `out`; false (with `error()`) on bad framing.
  bool feed(std::string_view bytes, std::vector<EventMessage>& out);
  bool idle() const { return buffer_.empty(); }  // no partial message held
  const std::string& error() const { return error_; }

 private:
  std::string buffer_;
  std::string error_;
};

// Builds one message (tests and the loopback Bedrock server's counterpart use this framing).
std::string encode_event(const std::map<std::string, std::string>& headers,
                         std::string_view payload);

}  // namespace sluice::providers::bedrock
