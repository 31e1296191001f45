#pragma once
// MLflow 3's gateway objects as the control plane keeps them (docs/mlflow-compat.md,
// "Management API"): each secret, model definition and endpoint made through
// /api/3.0/mlflow/gateway/ is one config_objects row of its own kind, named by its id, whose
// body is the object as MLflow's proto JSON has it (mlflow/protos/service.proto: GatewaySecretInfo,
// GatewayModelDefinition, GatewayEndpoint). A secret's values (MLflow's `secret_value` map) are
// sealed in its row (AES-256-GCM with auth.secrets_key, util/secret_box.hpp; the id as
// additional data) and never kept or shown in clear.
//
// The loader serves them as sluice endpoints and routes: expand() turns each MLflow endpoint
// into one endpoint per model it maps (the provider config built as MLflow's
// gateway_api._build_endpoint_config builds it) and, when it maps more than one, a route under
// the endpoint's name (PRIMARY models one tier balanced by weight, then FALLBACK models in
// fallback_order when the endpoint has a fallback_config). Pure functions, no I/O.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/stored.hpp"
#include "model/error.hpp"

namespace sluice::config::mlflow {

inline constexpr std::string_view kSecretKind = "mlflow_secret";
inline constexpr std::string_view kModelKind = "mlflow_model";
inline constexpr std::string_view kEndpointKind = "mlflow_endpoint";

// Whether a stored object is one of MLflow's (not an endpoint or route of sluice's own form).
inline bool is_mlflow_kind(std::string_view kind) { return kind.starts_with("mlflow_"); }

// The additional authenticated data a secret's sealed values carry: its id, so a sealed value
// copied onto another secret does not open.
std::string secret_aad(std::string_view secret_id);

// The id of the key a secret row's values are sealed with ("" when it has none).
std::string sealed_key_id(const StoredObject& secret);

// How an expanded endpoint's provider config names one value of an MLflow secret, in place of
// the value: {secret: "mlflow:<secret_id>/<field>"} (a name no sluice secret can have: ':' and
// '/' are not allowed in one). parse_secret_reference gives back the id and field, or nullopt
// for any other name.
std::string secret_reference(std::string_view secret_id, std::string_view field);
std::optional<std::pair<std::string, std::string>> parse_secret_reference(std::string_view name);

// A model definition's provider as sluice serves it: sluice's provider name, the provider config
// (values of the secret as secret references, auth_config's as text) and whether its adapter has
// a raw proxy. `fields`: the names of the secret's values (its masked_values' keys). An error
// (400 text) for a provider or auth_mode sluice does not map (MLflow hands those to LiteLLM).
struct ProviderModel {
  std::string provider;
  boost::json::object config;
  bool proxies = true;
};
Result<ProviderModel> provider_model(std::string_view provider, std::string_view secret_id,
                                     const std::vector<std::string>& fields,
                                     const boost::json::object& auth_config,
                                     std::string_view model_name);
// The same for a secret as its row's body holds it (GatewaySecretInfo: masked_values' keys,
// auth_config).
Result<ProviderModel> provider_model(std::string_view provider, std::string_view secret_id,
                                     const boost::json::object& secret,
                                     std::string_view model_name);

// Every MLflow endpoint of `stored` as sluice endpoint and route objects (kind "endpoint" and
// "route", bodies in the config file's form, the MLflow endpoint's workspace). `problems`: one
// line per MLflow endpoint left out, in the loader's words ("stored mlflow_endpoint 'NAME': …"):
// a model definition or secret it maps is gone, a provider that does not map, a body that does
// not read.
struct Expansion {
  std::vector<StoredObject> objects;
  std::vector<std::string> problems;
};
Expansion expand(const StoredConfig& stored);

// The name of the sluice endpoint that serves `model_name` (a model definition's name) for the
// MLflow endpoint `endpoint`, when the endpoint maps more than one model (the route takes the
// endpoint's own name): "endpoint.model_name". A name some other object already has is the
// loader's error, refused when the MLflow endpoint is made.
std::string member_name(std::string_view endpoint, std::string_view model_name);

}  // namespace sluice::config::mlflow
