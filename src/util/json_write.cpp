#include "util/json_write.hpp"

#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "util/utf8.hpp"

namespace sluice::util {
namespace {

void append(std::string& out, boost::json::serializer& sr) {
  char buf[2048];
  while (!sr.done()) out.append(sr.read(buf));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  boost::json::serializer sr;
  // Boost.JSON writes the bytes it is given; JSON must be UTF-8 (RFC 8259 §8.1).
  std::string fixed;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      fixed = valid_utf8(text);
      text = fixed;
      break;
    }
    i += n;
  }
  sr.reset(text);
  append(out, sr);
}

std::string serialize_with(const boost::json::object& object,
                           std::initializer_list<JsonMember> replace) {
  std::string out;
  out.reserve(256);
  out += '{';
  boost::json::serializer sr;
  bool first = true;
  auto member = [&](std::string_view key, const boost::json::value& value) {
    if (!first) out += ',';
    first = false;
    sr.reset(key);
    append(out, sr);
    out += ':';
    sr.reset(&value);
    append(out, sr);
  };
  std::vector<bool> written(replace.size(), false);
  for (const auto& kv : object) {
    const boost::json::value* value = &kv.value();
    std::size_t i = 0;
    for (const auto& [key, replacement] : replace) {
      if (key == kv.key()) {
        value = replacement;
        written[i] = true;
      }
      ++i;
    }
    if (value != nullptr) member(kv.key(), *value);
  }
  std::size_t i = 0;
  for (const auto& [key, replacement] : replace) {
    if (!written[i++] && replacement != nullptr) member(key, *replacement);
  }
  out += '}';
  return out;
}

}  // namespace sluice::util
