#include "providers/openai/presets.hpp"

#include "providers/openai/adapter.hpp"

namespace sluice::providers::openai {

const std::vector<Preset>& presets() {
  constexpr Capabilities kChat{
      .chat = true, .completions = false, .embeddings = false, .streaming = true};
  constexpr Capabilities kChatEmbed{
      .chat = true, .completions = false, .embeddings = true, .streaming = true};
  constexpr Capabilities kAll{
      .chat = true, .completions = true, .embeddings = true, .streaming = true};
  constexpr Capabilities kChatComplete{
      .chat = true, .completions = true, .embeddings = false, .streaming = true};
  // Keys and defaults as MLflow's gateway names them where it has the provider.
  static const std::vector<Preset> table = {
      {"mistral", "mistral_api_key", "mistral_api_base", "https://api.mistral.ai/v1", true,
       kChatEmbed},
      {"togetherai", "togetherai_api_key", "togetherai_api_base", "https://api.together.xyz/v1",
       true, kAll},
      {"groq", "api_key", "api_base", "https://api.groq.com/openai/v1", true, kChat},
      {"deepseek", "api_key", "api_base", "https://api.deepseek.com/v1", true, kChat},
      {"xai", "api_key", "api_base", "https://api.x.ai/v1", true, kChat},
      {"openrouter", "api_key", "api_base", "https://openrouter.ai/api/v1", true, kChatComplete},
      {"ollama", "api_key", "api_base", "http://localhost:11434/v1", false, kAll},
      {"vllm", "api_key", "api_base", "http://localhost:8000/v1", false, kAll},
      {"lmstudio", "api_key", "api_base", "http://localhost:1234/v1", false, kAll},
  };
  return table;
}

Result<std::shared_ptr<const ProviderAdapter>> make_preset_adapter(const AdapterSpec& spec,
                                                                   const Preset& preset) {
  const ConfigMap& config = *spec.config;
  OpenAiSettings settings;
  settings.provider_name = preset.name;
  settings.model = spec.model_name;
  settings.capabilities = preset.capabilities;
  if (settings.model.empty())
    return config.fail_section(std::string("the ") + preset.name + " provider needs model.name");
  auto key = config.string(preset.key_field);
  auto base = config.string(preset.base_field);
  for (auto* r : {&key, &base}) {
    if (!*r) return r->error();
  }
  if (!*key && preset.key_required)
    return config.fail_section(std::string(preset.key_field) + " is required");
  // MLflow's Ollama default key "ollama" means "no key": no Authorization header is sent.
  if (*key && !(std::string_view(preset.name) == "ollama" && **key == "ollama"))
    settings.api_key = **key;
  const std::string base_text = base->value_or(preset.default_base);
  std::string why;
  auto url = util::parse_base_url(base_text, why);
  if (!url) return config.fail(preset.base_field, "'" + base_text + "' " + why);
  settings.upstream.url = *url;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<OpenAiAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::openai
