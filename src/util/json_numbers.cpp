#include "util/json_numbers.hpp"

#include <atomic>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>

#include "util/json_parse.hpp"

namespace sluice::util {
namespace json = boost::json;

namespace {

std::atomic<bool> g_kept{false};

// Whether a double cannot stand for the number `text` (RFC 8259 number grammar, already
// validated by the parser).
bool lossy(double d, std::string_view text) {
  if (!std::isfinite(d)) return true;
  const std::string_view mantissa = text.substr(0, text.find_first_of("eE"));
  int significant = 0;
  int pending_zeros = 0;  // zeros after the last nonzero digit: significant only if one follows
  bool started = false;
  for (char c : mantissa) {
    if (c < '0' || c > '9') continue;
    if (c == '0') {
      if (started) ++pending_zeros;
      continue;
    }
    started = true;
    significant += pending_zeros + 1;
    pending_zeros = 0;
  }
  if (d == 0 && started) return true;  // underflow
  return significant > 17;
}

// The event handler of Boost.JSON's own parser, with numbers checked and marker strings refused.
class Handler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit Handler(json::storage_ptr sp) : stack_(std::move(sp)) {}

  json::value_stack& stack() { return stack_; }
  void clear() {
    number_.clear();
    prefix_.clear();
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    remember(s);
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    remember(s);
    if (forged(ec)) return false;
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    remember(s);
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    remember(s);
    if (forged(ec)) return false;
    stack_.push_key(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    if (lossy(d, number_)) {
      std::string kept(kRawNumberMarker);
      kept += number_;
      stack_.push_string(kept);
      g_kept.store(true, std::memory_order_relaxed);
    } else {
      stack_.push_double(d);
    }
    number_.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  // The first bytes of the string being read, enough to recognise the marker.
  void remember(json::string_view s) {
    if (prefix_.size() < kRawNumberMarker.size()) {
      prefix_.append(s.data(), std::min(s.size(), kRawNumberMarker.size() - prefix_.size()));
    }
  }
  bool forged(json::error_code& ec) {
    const bool bad = prefix_ == kRawNumberMarker;
    prefix_.clear();
    if (bad) ec = json::error::syntax;
    return bad;
  }

  json::value_stack stack_;
  std::string number_;
  std::string prefix_;
};

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

json::value parse_json_keeping_numbers(std::string_view text, json::error_code& ec,
                                       json::storage_ptr storage) {
  // One parser per thread, as parse_json() keeps: its stacks stay warm between requests.
  thread_local json::basic_parser<Handler> parser(request_parse_options(), json::storage_ptr{});
  parser.reset();
  parser.handler().clear();
  parser.handler().stack().reset(std::move(storage));
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;  // as json::parser::write does
  if (ec) {
    // What was half built lives in `storage` (often a request's arena, freed with the request):
    // destroyed now, not at the next parse on this thread.
    parser.handler().stack().reset(json::storage_ptr{});
    return nullptr;
  }
  return parser.handler().stack().release();
}

bool raw_numbers_kept() { return g_kept.load(std::memory_order_relaxed); }

bool restore_raw_numbers(std::string& json_text) {
  std::string quoted = "\"";
  quoted += kRawNumberMarker;
  std::size_t pos = json_text.find(quoted);
  if (pos == std::string::npos) return false;
  // One pass into a new string: replacing in place would move the rest of the body once per
  // number, quadratic in a body of many kept numbers.
  std::string out;
  out.reserve(json_text.size());
  std::size_t copied = 0;
  bool replaced = false;
  for (; pos != std::string::npos; pos = json_text.find(quoted, pos + 1)) {
    // A quote after an odd number of backslashes is inside a string, not the start of one.
    std::size_t slashes = 0;
    while (pos > slashes && json_text[pos - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) continue;
    const std::size_t start = pos + quoted.size();
    std::size_t end = start;
    while (end < json_text.size() && is_number_char(json_text[end])) ++end;
    if (end == start || end >= json_text.size() || json_text[end] != '"') continue;
    out.append(json_text, copied, pos - copied);
    out.append(json_text, start, end - start);
    copied = end + 1;
    replaced = true;
  }
  if (!replaced) return false;
  out.append(json_text, copied, std::string::npos);
  json_text.swap(out);
  return true;
}

}  // namespace sluice::util
