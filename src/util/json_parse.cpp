#include "util/json_parse.hpp"

#include <boost/json/parser.hpp>

namespace sluice::util {

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr storage) {
  thread_local boost::json::parser parser;
  parser.reset(std::move(storage));
  parser.write(text, ec);
  if (ec) return nullptr;
  return parser.release();
}

}  // namespace sluice::util
