// Inbound Anthropic Messages API (src/api/anthropic/parse.cpp): /v1/messages bodies → the internal
// (OpenAI-dialect) request, and /v1/messages/count_tokens' estimate; then what the providers make
// of the request: the anthropic provider's Messages body (the Anthropic-only fields put back),
// and the copy without those fields that every other provider gets. The input is tried as the
// raw body and as the seed of a JSON object built from Anthropic's field names
// (fuzz_support.hpp).
#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "inbound_check.hpp"
#include "provider_check.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kWords =
    "model max_tokens messages system role content type text image source base64 url media_type "
    "data tool_result tool_use_id is_error tool_use id name input thinking redacted_thinking "
    "stop_sequences stream tools tool_choice auto any none tool custom disable_parallel_tool_use "
    "metadata user_id service_tier container mcp_servers description input_schema user assistant "
    "temperature top_k claude-3-5-sonnet image/png cache_control ephemeral ttl 1h signature "
    "image/jpg";

void run(const api::anthropic::AnthropicApi& api, std::string_view body) {
  fuzz::check_inbound(api, body, [&](model::Operation, bool, const model::Request& out) {
    SLUICE_FUZZ_CHECK(out.operation == model::Operation::kChat, "Messages is always chat");
    const auto* model = out.body.if_contains("model");
    SLUICE_FUZZ_CHECK(model != nullptr && model->is_string() && out.endpoint == model->get_string(),
                      "endpoint is the body's model");
    SLUICE_FUZZ_CHECK(out.body.contains("max_tokens"), "max_tokens is kept");
    const auto* messages = out.body.if_contains("messages");
    SLUICE_FUZZ_CHECK(messages != nullptr && messages->is_array(), "messages is an array");
    for (const auto& m : messages->get_array()) {
      const auto* role = m.is_object() ? m.get_object().if_contains("role") : nullptr;
      SLUICE_FUZZ_CHECK(
          role != nullptr && role->is_string() &&
              (*role == "system" || *role == "user" || *role == "assistant" || *role == "tool"),
          "each converted message has an OpenAI role: " + boost::json::serialize(m));
      if (*role == "tool") {
        const auto* id = m.get_object().if_contains("tool_call_id");
        SLUICE_FUZZ_CHECK(id != nullptr && id->is_string(), "a tool message has tool_call_id");
      }
    }
    // The body is sent on as OpenAI JSON: it must serialize and parse back unchanged.
    const std::string text = boost::json::serialize(out.body);
    boost::system::error_code ec;
    const auto again = boost::json::parse(text, ec, {}, util::request_parse_options());
    SLUICE_FUZZ_CHECK(!ec && again == boost::json::value(out.body), "converted body round-trips");
    fuzz::check_provider_copies(out);
    // Any body Messages accepts has what count_tokens needs.
    auto tokens = api::anthropic::estimate_input_tokens(body);
    SLUICE_FUZZ_CHECK(tokens.has_value(), "count_tokens accepts what Messages accepts");
    SLUICE_FUZZ_CHECK(*tokens >= 3, "count_tokens counts the request overhead");
  });
  fuzz::no_throw("estimate_input_tokens", [&] {
    auto tokens = api::anthropic::estimate_input_tokens(body);
    if (tokens) SLUICE_FUZZ_CHECK(*tokens <= body.size() + 3 * body.size() + 3, "estimate bounded");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const api::anthropic::AnthropicApi api;
  fuzz::run_raw_and_structured(fuzz::as_text(data, size), kWords,
                               [](std::string_view body) { run(api, body); });
  return 0;
}
