#pragma once
// Providers that speak OpenAI's dialect at their own address: one row each in a table of
// presets (default base URL, the config keys MLflow uses for them, what they serve), all served
// by the openai adapter under their own provider name.

#include <memory>

#include "providers/registry.hpp"

namespace sluice::providers::openai {

struct Preset {
  const char* name;          // `model.provider`
  const char* key_field;     // config key holding the API key
  const char* base_field;    // config key overriding the base URL
  const char* default_base;  // base URL when none is given
  bool key_required;         // false: local servers that take no key
  Capabilities capabilities;
};

// The table, for the registry and docs.
const std::vector<Preset>& presets();

Result<std::shared_ptr<const ProviderAdapter>> make_preset_adapter(const AdapterSpec& spec,
                                                                   const Preset& preset);

}  // namespace sluice::providers::openai
