#include "util/json_parse.hpp"

#include <boost/json/parser.hpp>

namespace sluice::util {

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr storage) {
  thread_local boost::json::parser parser(boost::json::storage_ptr{}, request_parse_options());
  parser.reset(std::move(storage));
  parser.write(text, ec);
  if (ec) {
    // What was half built lives in `storage` (often a request's arena, freed with the request):
    // destroyed now, not at the next parse on this thread.
    parser.reset(boost::json::storage_ptr{});
    return nullptr;
  }
  return parser.release();
}

bool too_deep(const boost::system::error_code& ec) { return ec == boost::json::error::too_deep; }

}  // namespace sluice::util
