// Inbound OpenAI API (src/api/openai/parse.cpp): request bodies of /v1/chat/completions,
// /v1/completions and /v1/embeddings → the internal request. The input is tried twice: as the raw
// body, and as the seed of a JSON object built from OpenAI's field names (fuzz_support.hpp).
#include <boost/json.hpp>

#include "api/openai/openai_api.hpp"
#include "api/openai/parse.hpp"
#include "inbound_check.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kWords =
    "model messages role content stream stream_options include_usage prompt input encoding_format "
    "dimensions temperature top_p n max_tokens max_completion_tokens stop presence_penalty "
    "frequency_penalty tool_calls function_call tool_call_id type text image_url system user "
    "assistant tool developer function float base64 gpt-4o chat tools name arguments id";

void run(const api::openai::OpenAiApi& api, std::string_view body) {
  fuzz::check_inbound(
      api, body, [&](model::Operation op, bool templated, const model::Request& out) {
        // `model` is required and becomes the endpoint; the body is kept as the client sent it.
        const auto* model = out.body.if_contains("model");
        SLUICE_FUZZ_CHECK(model != nullptr && model->is_string() && !model->get_string().empty() &&
                              out.endpoint == model->get_string(),
                          "endpoint is the body's model");
        SLUICE_FUZZ_CHECK(out.endpoint.size() <= body.size(), "endpoint no longer than the body");
        fuzz::check_reparse(api, op, templated, out);
        if (!templated) {
          // The free function agrees with the class.
          auto direct = api::openai::parse_request(op, body);
          SLUICE_FUZZ_CHECK(direct.has_value() && direct->body == out.body,
                            "parse_request agrees with OpenAiApi::parse");
        }
      });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const api::openai::OpenAiApi api;
  fuzz::run_raw_and_structured(fuzz::as_text(data, size), kWords,
                               [](std::string_view body) { run(api, body); });
  return 0;
}
