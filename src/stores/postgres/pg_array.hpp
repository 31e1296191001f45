#pragma once
// PostgreSQL array literals ('{1,2}', '{"a","b"}'): a ledger batch goes to the server as one
// array per column and is inserted with unnest(), so a batch of a thousand records is one
// statement and one round trip instead of a thousand.

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::stores::postgres {

class ArrayLiteral {
 public:
  ArrayLiteral() : out_("{") {}
  // Every element is quoted and escaped. Bytes PostgreSQL text cannot hold (NUL, invalid UTF-8)
  // become U+FFFD: a record with an odd byte is kept rather than failing its whole batch.
  ArrayLiteral& text(std::string_view v);
  ArrayLiteral& integer(std::int64_t v);
  ArrayLiteral& real(double v);  // shortest form that reads back as the same double
  ArrayLiteral& boolean(bool v);
  ArrayLiteral& null();  // SQL NULL
  std::string finish() &&;

 private:
  void separate();
  std::string out_;
  bool empty_ = true;
};

}  // namespace sluice::stores::postgres
