#include "api/registry.hpp"

#include "api/anthropic/anthropic_api.hpp"
#include "api/gemini/gemini_errors.hpp"
#include "api/mlflow/mlflow_api.hpp"
#include "api/openai/openai_api.hpp"
#include "api/responses/responses_api.hpp"

namespace sluice::api {
namespace {

const openai::OpenAiApi kOpenAi;
const anthropic::AnthropicApi kAnthropic;
const responses::ResponsesApi kResponses;
const mlflow::MlflowApi kMlflow;
const gemini::GeminiErrors kGemini;

const ApiRow kRows[] = {
    {"openai", &kOpenAi, kOpenAi},          {"anthropic", &kAnthropic, kAnthropic},
    {"responses", &kResponses, kResponses}, {"mlflow", &kMlflow, kMlflow},
    {"gemini", nullptr, kGemini},
};

}  // namespace

const ApiRow& api_row(std::string_view family) {
  for (const auto& row : kRows) {
    if (row.family == family) return row;
  }
  return kRows[0];
}

}  // namespace sluice::api
