#include "stores/postgres/pg_array.hpp"

#include <charconv>
#include <cstddef>

#include "util/utf8.hpp"

namespace sluice::stores::postgres {

void ArrayLiteral::separate() {
  if (!empty_) out_ += ',';
  empty_ = false;
}

ArrayLiteral& ArrayLiteral::text(std::string_view v) {
  separate();
  out_ += '"';
  for (std::size_t i = 0; i < v.size();) {
    // PostgreSQL text cannot hold NUL either.
    const std::size_t n = v[i] == '\0' ? 0 : util::utf8_sequence(v, i);
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

ArrayLiteral& ArrayLiteral::null() {
  separate();
  out_ += "NULL";  // unquoted: SQL NULL (a quoted "NULL" would be the text)
  return *this;
}

std::string ArrayLiteral::finish() && {
  out_ += '}';
  return std::move(out_);
}

}  // namespace sluice::stores::postgres
