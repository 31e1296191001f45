// Inbound OpenAI Responses API (src/api/responses/parse.cpp): /v1/responses bodies → the internal
// (OpenAI chat) request; then what the anthropic provider makes of it (a Messages body or a clear
// 4xx) and the copy without Anthropic-only fields every other provider gets. The input is tried
// as the raw body and as the seed of a JSON object built from the Responses field names
// (fuzz_support.hpp).
#include <boost/json.hpp>

#include "api/responses/responses_api.hpp"
#include "inbound_check.hpp"
#include "provider_check.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kWords =
    "model input instructions role content type message user assistant system developer "
    "input_text output_text refusal input_image image_url detail input_file file_data filename "
    "function_call call_id name arguments function_call_output output reasoning summary "
    "summary_text encrypted_content item_reference tools function parameters strict tool_choice "
    "auto none required max_output_tokens temperature top_p parallel_tool_calls text format "
    "json_schema json_object schema reasoning effort low high stream store previous_response_id "
    "include metadata user sluice.thinking.v1.";

void run(const api::responses::ResponsesApi& api, std::string_view body) {
  fuzz::check_inbound(api, body, [&](model::Operation, bool, const model::Request& out) {
    SLUICE_FUZZ_CHECK(out.operation == model::Operation::kChat, "Responses is always chat");
    const auto* model = out.body.if_contains("model");
    SLUICE_FUZZ_CHECK(model != nullptr && model->is_string() && out.endpoint == model->get_string(),
                      "endpoint is the body's model");
    const auto* messages = out.body.if_contains("messages");
    SLUICE_FUZZ_CHECK(messages != nullptr && messages->is_array() && !messages->get_array().empty(),
                      "messages is a non-empty array");
    for (const auto& m : messages->get_array()) {
      const auto* role = m.is_object() ? m.get_object().if_contains("role") : nullptr;
      SLUICE_FUZZ_CHECK(role != nullptr && role->is_string() &&
                            (*role == "system" || *role == "developer" || *role == "user" ||
                             *role == "assistant" || *role == "tool"),
                        "each message has a chat role: " + boost::json::serialize(m));
      if (*role == "tool") {
        const auto* id = m.get_object().if_contains("tool_call_id");
        SLUICE_FUZZ_CHECK(id != nullptr && id->is_string(), "a tool message has tool_call_id");
      }
    }
    const std::string text = boost::json::serialize(out.body);
    boost::system::error_code ec;
    const auto again = boost::json::parse(text, ec, {}, util::request_parse_options());
    SLUICE_FUZZ_CHECK(!ec && fuzz::nearly_equal(again, boost::json::value(out.body)),
                      "converted body round-trips");
    fuzz::check_provider_copies(out);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const api::responses::ResponsesApi api;
  fuzz::run_raw_and_structured(fuzz::as_text(data, size), kWords,
                               [](std::string_view body) { run(api, body); });
  return 0;
}
