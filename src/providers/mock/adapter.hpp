#pragma once
// The `mock` provider: an OpenAI-dialect adapter whose upstream is the in-process MockResponder.

#include <memory>

#include "providers/registry.hpp"

namespace sluice::providers::mock {

Result<std::shared_ptr<const ProviderAdapter>> make_mock_adapter(const AdapterSpec& spec);

}  // namespace sluice::providers::mock
