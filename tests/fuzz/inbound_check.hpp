#pragma once
// The checks every inbound API's fuzz target makes: a body goes through InboundApi::parse for
// each operation, plain and templated; no exception may escape (the request path promises
// Result<> values), an error must render as a JSON body in the API's dialect, and a success must
// come from one complete JSON text and leave a consistent internal request. `on_success` adds the
// API's own checks.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "api/inbound.hpp"
#include "fuzz_support.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "util/json_numbers.hpp"

namespace sluice::fuzz {

inline constexpr model::Operation kOperations[] = {
    model::Operation::kChat, model::Operation::kCompletions, model::Operation::kEmbeddings,
    model::Operation::kCustom};

inline void check_error(const api::InboundApi& api, const Error& e) {
  SLUICE_FUZZ_CHECK(!e.message.empty(), "an error has a message");
  const unsigned status = model::http_status(e);
  SLUICE_FUZZ_CHECK(status >= 400 && status < 500,
                    "a parse error is a 4xx, got " + std::to_string(status));
  const std::string body = api.render_error(e);
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  SLUICE_FUZZ_CHECK(!ec && parsed.is_object(), "render_error is a JSON object: " + body);
  SLUICE_FUZZ_CHECK(!api.render_stream_error(e).empty(), "render_stream_error is not empty");
}

// Parses `body` for every operation (plain and templated) and checks what comes out.
template <typename OnSuccess>
void check_inbound(const api::InboundApi& api, std::string_view body, OnSuccess&& on_success) {
  for (const model::Operation op : kOperations) {
    for (const bool templated : {false, true}) {
      model::Request out;
      out.templated = templated;
      Result<void> r;
      no_throw("InboundApi::parse", [&] { r = api.parse(op, body, out); });
      if (!r) {
        no_throw("render_error", [&] { check_error(api, r.error()); });
        continue;
      }
      // An accepted body is one complete JSON text: nothing may follow the value.
      boost::system::error_code ec;
      boost::json::parse(body, ec);
      SLUICE_FUZZ_CHECK(!ec, "an accepted body is valid JSON on its own: " + ec.message());
      if (out.operation == model::Operation::kEmbeddings)
        SLUICE_FUZZ_CHECK(!out.stream, "embeddings are never streamed");
      SLUICE_FUZZ_CHECK(!out.include_usage || out.stream, "include_usage only on a stream");
      no_throw("success checks", [&] { on_success(op, templated, out); });
    }
  }
}

// For APIs whose internal body is the client's body (OpenAI, MLflow): the body as it is sent on
// (serialized, kept numbers restored) parses again to the same request (parse is idempotent).
inline void check_reparse(const api::InboundApi& api, model::Operation op, bool templated,
                          const model::Request& first) {
  std::string again = boost::json::serialize(first.body);
  util::restore_raw_numbers(again);
  model::Request second;
  second.templated = templated;
  Result<void> r = api.parse(op, again, second);
  SLUICE_FUZZ_CHECK(r.has_value(), "re-parsing the accepted body fails: " +
                                       (r ? std::string() : r.error().message) + "\n" + again);
  SLUICE_FUZZ_CHECK(second.body == first.body, "re-parsed body differs: " + again);
  SLUICE_FUZZ_CHECK(second.endpoint == first.endpoint && second.stream == first.stream &&
                        second.include_usage == first.include_usage &&
                        second.embeddings_base64 == first.embeddings_base64 &&
                        second.operation == first.operation,
                    "re-parsed request flags differ: " + again);
}

}  // namespace sluice::fuzz
