#pragma once
// Databricks Model Serving: chat, completions and embeddings endpoints through Databricks'
// OpenAI-compatible API ({workspace}/serving-endpoints, the serving endpoint's name as `model`),
// and custom/v1/predict endpoints (pyfunc models: dataframe_split, inputs, instances) posted as
// they are to {workspace}/serving-endpoints/{name}/invocations. Config: databricks_workspace_url
// (or databricks_host), databricks_token.

#include <memory>

#include "providers/registry.hpp"

namespace sluice::providers::databricks {

Result<std::shared_ptr<const ProviderAdapter>> make_databricks_adapter(const AdapterSpec& spec);

}  // namespace sluice::providers::databricks
