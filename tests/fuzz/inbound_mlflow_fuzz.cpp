// Inbound MLflow AI Gateway API (src/api/mlflow/mlflow_api.cpp): invocation bodies, validated as
// MLflow's pydantic models do (422 with a per-field detail list). The input is tried as the raw
// body and as the seed of a JSON object built from MLflow's field names (fuzz_support.hpp).
#include <boost/json.hpp>

#include "api/mlflow/mlflow_api.hpp"
#include "inbound_check.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kWords =
    "messages role content prompt input n max_tokens max_completion_tokens top_k temperature "
    "top_p presence_penalty frequency_penalty stop stream stream_options include_usage "
    "encoding_format base64 float model user system assistant tool tool_calls type text "
    "max_tokens_to_sample stop_sequences num_generations max_new_tokens";

void run(const api::mlflow::MlflowApi& api, std::string_view body) {
  fuzz::check_inbound(
      api, body, [&](model::Operation op, bool templated, const model::Request& out) {
        // MLflow's routes define the model: a body naming one is refused.
        SLUICE_FUZZ_CHECK(op == model::Operation::kCustom || !out.body.contains("model"),
                          "an accepted MLflow body has no 'model'");
        fuzz::check_reparse(api, op, templated, out);
        // Native parameter names are checked per provider after parsing: must not throw.
        for (std::string_view provider :
             {"openai", "anthropic", "cohere", "huggingface-text-generation-inference"}) {
          auto r = api::mlflow::check_native_parameters(provider, out);
          if (!r) fuzz::check_error(api, r.error());
        }
      });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const api::mlflow::MlflowApi api;
  fuzz::run_raw_and_structured(fuzz::as_text(data, size), kWords,
                               [](std::string_view body) { run(api, body); });
  return 0;
}
