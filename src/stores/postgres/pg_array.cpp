#include "stores/postgres/pg_array.hpp"

#include <charconv>
#include <cstddef>

namespace sluice::stores::postgres {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not one (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return c == 0 ? 0 : 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

void ArrayLiteral::separate() {
  if (!empty_) out_ += ',';
  empty_ = false;
}

ArrayLiteral& ArrayLiteral::text(std::string_view v) {
  separate();
  out_ += '"';
  for (std::size_t i = 0; i < v.size();) {
    const std::size_t n = utf8_sequence(v, i);
    if (n == 0) {
      out_ += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (v[i] == '"' || v[i] == '\\') out_ += '\\';
    out_.append(v.substr(i, n));
    i += n;
  }
  out_ += '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::integer(std::int64_t v) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  return *this;
}

ArrayLiteral& ArrayLiteral::real(double v) {
  separate();
  char buf[32];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  return *this;
}

ArrayLiteral& ArrayLiteral::boolean(bool v) {
  separate();
  out_ += v ? 't' : 'f';
  return *this;
}

std::string ArrayLiteral::finish() && {
  out_ += '}';
  return std::move(out_);
}

}  // namespace sluice::stores::postgres
