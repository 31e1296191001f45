#pragma once
// JSON parsing on the hot path. boost::json::parse() builds a fresh parser (and its internal
// stacks) per call; reusing one parser per thread keeps those stacks warm, so parsing allocates
// only the resulting value, in the caller's storage.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace sluice::util {

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr storage = {});

}  // namespace sluice::util
