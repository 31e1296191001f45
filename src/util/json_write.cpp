#include "util/json_write.hpp"

#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>
#include <vector>

namespace sluice::util {
namespace {

void append(std::string& out, boost::json::serializer& sr) {
  char buf[2048];
  while (!sr.done()) out.append(sr.read(buf));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  boost::json::serializer sr;
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
