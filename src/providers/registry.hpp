#pragma once
// Maps a config's `model.provider` name to the adapter that serves it.

#include <memory>
#include <string>
#include <vector>

#include "providers/config_map.hpp"
#include "providers/provider.hpp"

namespace sluice::providers {

// What a provider needs from its endpoint's config to build an adapter.
struct AdapterSpec {
  std::string endpoint_name;
  model::Operation operation;
  std::string model_name;  // `model.name`; may be empty
  const ConfigMap* config;
};

// Builds the adapter for `provider`, validating its config keys. Unknown provider → error.
Result<std::shared_ptr<const ProviderAdapter>> make_adapter(const std::string& provider,
                                                            const AdapterSpec& spec);

// Names accepted in `model.provider`, for error messages and `check-config`.
std::vector<std::string> provider_names();

}  // namespace sluice::providers
