#include "providers/bedrock/event_stream.hpp"

#include <array>

namespace sluice::providers::bedrock {
namespace {

constexpr std::size_t kPrelude = 12;
constexpr std::size_t kMaxMessage = 16 * 1024 * 1024;

const std::array<std::uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

std::uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         std::uint32_t{u[3]};
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

// Header value sizes by type (0/1 booleans, 2 byte, 3 short, 4 int, 5 long, 6 bytes,
// 7 string, 8 timestamp, 9 uuid); variable-length ones carry a u16 length.
bool parse_headers(std::string_view h, std::map<std::string, std::string>& out) {
  while (!h.empty()) {
    const std::size_t name_len = static_cast<unsigned char>(h[0]);
    if (h.size() < 1 + name_len + 1) return false;
    std::string name(h.substr(1, name_len));
    const unsigned type = static_cast<unsigned char>(h[1 + name_len]);
    h.remove_prefix(2 + name_len);
    std::size_t len = 0;
    switch (type) {
      case 0:
      case 1:
        len = 0;
        break;
      case 2:
        len = 1;
        break;
      case 3:
        len = 2;
        break;
      case 4:
        len = 4;
        break;
      case 5:
      case 8:
        len = 8;
        break;
      case 9:
        len = 16;
        break;
      case 6:
      case 7: {
        if (h.size() < 2) return false;
        len =
            (std::size_t{static_cast<unsigned char>(h[0])} << 8) | static_cast<unsigned char>(h[1]);
        h.remove_prefix(2);
        if (h.size() < len) return false;
        if (type == 7) out[name] = std::string(h.substr(0, len));
        h.remove_prefix(len);
        continue;
      }
      default:
        return false;
    }
    if (h.size() < len) return false;
    h.remove_prefix(len);
  }
  return true;
}

}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  const auto& table = crc_table();
  crc = ~crc;
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

bool EventStreamDecoder::feed(std::string_view bytes, std::vector<EventMessage>& out) {
  if (!error_.empty()) return false;
  buffer_.append(bytes);
  std::size_t pos = 0;
  while (buffer_.size() - pos >= kPrelude) {
    const char* p = buffer_.data() + pos;
    const std::uint32_t total = be32(p);
    const std::uint32_t headers_len = be32(p + 4);
    if (crc32(std::string_view(p, 8)) != be32(p + 8)) {
      error_ = "event stream prelude checksum mismatch";
      return false;
    }
    if (total < kPrelude + 4 || total > kMaxMessage || headers_len > total - kPrelude - 4) {
      error_ = "event stream message has an impossible length";
      return false;
    }
    if (buffer_.size() - pos < total) break;  // wait for the rest
    if (crc32(std::string_view(p, total - 4)) != be32(p + total - 4)) {
      error_ = "event stream message checksum mismatch";
      return false;
    }
    EventMessage message;
    if (!parse_headers(std::string_view(p + kPrelude, headers_len), message.headers)) {
      error_ = "event stream message has malformed headers";
      return false;
    }
    message.payload.assign(p + kPrelude + headers_len, total - kPrelude - headers_len - 4);
    out.push_back(std::move(message));
    pos += total;
  }
  buffer_.erase(0, pos);
  return true;
}

std::string encode_event(const std::map<std::string, std::string>& headers,
                         std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h += static_cast<char>(name.size());
    h += name;
    h += static_cast<char>(7);
    h += static_cast<char>((value.size() >> 8) & 0xFF);
    h += static_cast<char>(value.size() & 0xFF);
    h += value;
  }
  std::string out;
  const auto total = static_cast<std::uint32_t>(kPrelude + h.size() + payload.size() + 4);
  put32(out, total);
  put32(out, static_cast<std::uint32_t>(h.size()));
  put32(out, crc32(out));
  out += h;
  out += payload;
  put32(out, crc32(out));
  return out;
}

}  // namespace sluice::providers::bedrock
