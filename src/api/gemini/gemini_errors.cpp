#include "api/gemini/gemini_errors.hpp"

#include <boost/json.hpp>

namespace sluice::api::gemini {
namespace {

// Google's canonical status names for the HTTP statuses the gateway answers with.
std::string_view status_name(unsigned status) {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 415:
    case 422:
    case 431:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return "INTERNAL";
  }
}

}  // namespace

std::string GeminiErrors::render_error(const Error& error) const {
  const unsigned status = http_status(error);
  return boost::json::serialize(boost::json::object{
      {"error", {{"code", status}, {"message", error.message}, {"status", status_name(status)}}}});
}

std::string GeminiErrors::render_stream_error(const Error& error) const {
  return "data: " + render_error(error) + "\r\n\r\n";
}

}  // namespace sluice::api::gemini
