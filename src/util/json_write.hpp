#pragma once
// Writing JSON without building a modified copy first: a request body is forwarded with a few
// top-level members replaced, and copying the whole object just to change `model` would cost an
// allocation per node on the hot path.

#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::util {

using JsonMember = std::pair<std::string_view, const boost::json::value*>;

// `object` serialized with each of `replace` written in place of the member of the same key, or
// appended if absent; a null pointer leaves the member out. Other members keep their order and
// bytes.
std::string serialize_with(const boost::json::object& object,
                           std::initializer_list<JsonMember> replace);

// `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sluice::util
