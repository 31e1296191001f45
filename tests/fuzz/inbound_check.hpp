#pragma once
// The checks every inbound API's fuzz target makes: a body goes through InboundApi::parse for
// each operation, plain and templated; no exception may escape (the request path promises
// Result<> values), an error must render as a JSON body in the API's dialect, and a success must
// come from one complete JSON text and leave a consistent internal request. `on_success` adds the
// API's own checks.

#include <boost/json.hpp>
#include <cmath>
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
      boost::json::parse(body, ec, {}, util::request_parse_options());
      SLUICE_FUZZ_CHECK(!ec, "an accepted body is valid JSON on its own: " + ec.message());
      if (out.operation == model::Operation::kEmbeddings)
        SLUICE_FUZZ_CHECK(!out.stream, "embeddings are never streamed");
      SLUICE_FUZZ_CHECK(!out.include_usage || out.stream, "include_usage only on a stream");
      no_throw("success checks", [&] { on_success(op, templated, out); });
    }
  }
}

// Equal JSON, doubles within a few ulps: Boost.JSON 1.81's serializer does not always print a
// double that parses back to the same bits (61e300 is written 6.100000000000001E301; found by
// this target, left as a known imprecision of the library, in docs/security.md).
inline bool nearly_equal(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::abs(x - y) <= 1e-14 * std::max(std::abs(x), std::abs(y));
  }
  if (a.is_object() && b.is_object()) {
    const auto& o = a.get_object();
    const auto& p = b.get_object();
    if (o.size() != p.size()) return false;
    for (const auto& [k, v] : o) {
      const auto* w = p.if_contains(k);
      if (w == nullptr || !nearly_equal(v, *w)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& o = a.get_array();
    const auto& p = b.get_array();
    if (o.size() != p.size()) return false;
    for (std::size_t i = 0; i < o.size(); ++i) {
      if (!nearly_equal(o[i], p[i])) return false;
    }
    return true;
  }
  return a == b;
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
  SLUICE_FUZZ_CHECK(nearly_equal(second.body, first.body), "re-parsed body differs: " + again);
  SLUICE_FUZZ_CHECK(second.endpoint == first.endpoint && second.stream == first.stream &&
                        second.include_usage == first.include_usage &&
                        second.embeddings_base64 == first.embeddings_base64 &&
                        second.operation == first.operation,
                    "re-parsed request flags differ: " + again);
}

// The input run twice: as the bytes it is, and as a JSON object built from them in the API's
// own vocabulary (`words`), which reaches the validators' deeper branches.
template <typename Run>
void run_raw_and_structured(std::string_view in, std::string_view words, Run&& run) {
  run(in);
  ByteReader reader(in);
  JsonBuilder builder(reader, words);
  run(boost::json::serialize(builder.object()));
}

}  // namespace sluice::fuzz
