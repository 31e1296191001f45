#pragma once
// The one error type of the request path. Expected failures travel as values (Result<T>), never
// as exceptions; status, OpenAI error type and retryability are each decided in one table here.

#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

enum class ErrorCode {
  kInvalidRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kMethodNotAllowed,
  kConflict,  // the admin API: a change to something managed elsewhere (409)
  kRequestTimeout,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kUnprocessable,  // well-formed but invalid fields (MLflow's 422)
  kHeadersTooLarge,
  kNotImplemented,
  kRateLimited,
  kUpstreamClientError,  // provider answered 4xx: passed through with its status
  kUpstreamServerError,  // provider answered 5xx: passed through with its status
  kUpstreamTimeout,
  kUpstreamUnavailable,  // could not connect, connection dropped, unreadable answer
  kServiceUnavailable,   // the gateway itself will not try now (every circuit breaker open): 503
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // safe to show the client: never holds a secret
  std::string param;    // OpenAI `param`, when one input field is at fault
  std::optional<unsigned> upstream_status;
  std::string provider;
  std::string error_code;                  // OpenAI `code` (e.g. "model_not_found"); empty → null
  std::optional<unsigned> retry_after_s;   // sent as Retry-After (rate limits, provider 429s)
  std::optional<unsigned> retry_after_ms;  // the provider's own wait, as precise as it gave it
  std::string detail_json;  // structured detail, pre-rendered (MLflow's per-field 422 list)

  static Error invalid(std::string message, std::string param = {}) {
    Error e = make(ErrorCode::kInvalidRequest, std::move(message));
    e.param = std::move(param);
    return e;
  }
  static Error make(ErrorCode code, std::string message) {
    Error e;
    e.code = code;
    e.message = std::move(message);
    return e;
  }
};

// HTTP status for the client. Upstream errors keep the provider's status.
unsigned http_status(const Error& error);
// OpenAI's `error.type` string for this error.
std::string_view openai_type(const Error& error);
// Whether another attempt (retry or fallback) may succeed: timeouts, connection failures,
// 5xx and 429. Other 4xx are the caller's fault and are returned at once.
bool retryable(const Error& error);

// Lets boost::system::result<T, Error>::value() throw on error (only used at startup and in tests).
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

}  // namespace sluice::model

namespace sluice {
template <class T>
using Result = boost::system::result<T, model::Error>;
using model::Error;
using model::ErrorCode;
}  // namespace sluice
