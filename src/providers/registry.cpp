#include "providers/registry.hpp"

#include "providers/anthropic/adapter.hpp"
#include "providers/bedrock/adapter.hpp"
#include "providers/cohere/adapter.hpp"
#include "providers/custom/adapter.hpp"
#include "providers/databricks/adapter.hpp"
#include "providers/gemini/adapter.hpp"
#include "providers/huggingface/adapter.hpp"
#include "providers/mlflow_serving/adapter.hpp"
#include "providers/mock/adapter.hpp"
#include "providers/ollama/adapter.hpp"
#include "providers/openai/adapter.hpp"
#include "providers/openai/presets.hpp"

namespace sluice::providers {
namespace {

using Factory = Result<std::shared_ptr<const ProviderAdapter>> (*)(const AdapterSpec&);

struct Entry {
  const char* name;
  Factory make;
};

constexpr Entry kProviders[] = {
    {"openai", &openai::make_openai_adapter},
    {"azure", &openai::make_openai_adapter},  // MLflow's alias: the same config keys
    {"anthropic", &anthropic::make_anthropic_adapter},
    {"gemini", &gemini::make_gemini_adapter},
    {"vertex_ai", &gemini::make_vertex_adapter},
    {"cohere", &cohere::make_cohere_adapter},
    {"bedrock", &bedrock::make_bedrock_adapter},
    {"amazon-bedrock", &bedrock::make_bedrock_adapter},  // MLflow's alias
    {"huggingface-text-generation-inference", &huggingface::make_tgi_adapter},
    {"mlflow-model-serving", &mlflow_serving::make_mlflow_serving_adapter},
    {"ollama", &ollama::make_ollama_adapter},
    {"custom", &custom::make_custom_adapter},
    {"databricks", &databricks::make_databricks_adapter},
    {"databricks-model-serving",
     &databricks::make_databricks_adapter},  // MLflow's name  // before the presets: it has a
                                             // native mode
    {"mock", &mock::make_mock_adapter},
};

}  // namespace

Result<std::shared_ptr<const ProviderAdapter>> make_adapter(const std::string& provider,
                                                            const AdapterSpec& spec) {
  for (const auto& entry : kProviders) {
    if (provider == entry.name) return entry.make(spec);
  }
  for (const auto& preset : openai::presets()) {
    if (provider == preset.name) return openai::make_preset_adapter(spec, preset);
  }
  std::string known;
  for (const auto& name : provider_names()) known += (known.empty() ? "" : ", ") + name;
  return Error::invalid("unknown provider '" + provider + "' (known: " + known + ")");
}

std::vector<std::string> provider_names() {
  std::vector<std::string> names;
  for (const auto& entry : kProviders) names.emplace_back(entry.name);
  for (const auto& preset : openai::presets()) names.emplace_back(preset.name);
  return names;
}

}  // namespace sluice::providers
