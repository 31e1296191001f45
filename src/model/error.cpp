#include "model/error.hpp"

#include <stdexcept>

namespace sluice::model {

unsigned http_status(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidRequest:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kRequestTimeout:
      return 408;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kNotImplemented:
      return 501;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUpstreamClientError:
      return error.upstream_status.value_or(400);
    case ErrorCode::kUpstreamServerError: {
      unsigned s = error.upstream_status.value_or(502);
      return s >= 500 && s <= 599 ? s : 502;
    }
    case ErrorCode::kUpstreamTimeout:
      return 504;
    case ErrorCode::kUpstreamUnavailable:
      return 502;
    case ErrorCode::kServiceUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view openai_type(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kNotFound:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kConflict:
    case ErrorCode::kRequestTimeout:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kUnsupportedMediaType:
    case ErrorCode::kUnprocessable:
    case ErrorCode::kHeadersTooLarge:
    case ErrorCode::kNotImplemented:
      return "invalid_request_error";
    case ErrorCode::kUnauthorized:
      return "authentication_error";
    case ErrorCode::kForbidden:
      return "permission_error";
    case ErrorCode::kRateLimited:
      return "rate_limit_error";
    case ErrorCode::kUpstreamClientError:
      if (error.upstream_status == 401) return "authentication_error";
      if (error.upstream_status == 403) return "permission_error";
      if (error.upstream_status == 429) return "rate_limit_error";
      return "invalid_request_error";
    case ErrorCode::kUpstreamServerError:
    case ErrorCode::kUpstreamUnavailable:
      return "upstream_error";
    case ErrorCode::kUpstreamTimeout:
      return "timeout_error";
    case ErrorCode::kServiceUnavailable:
    case ErrorCode::kInternal:
      return "server_error";
  }
  return "server_error";
}

bool retryable(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUpstreamServerError:
    case ErrorCode::kUpstreamTimeout:
    case ErrorCode::kUpstreamUnavailable:
    case ErrorCode::kServiceUnavailable:
      return true;
    case ErrorCode::kUpstreamClientError:
      return error.upstream_status == 429 || error.upstream_status == 408;
    default:
      return false;
  }
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

}  // namespace sluice::model
