#pragma once
// A model served by MLflow (`mlflow models serve`, pyfunc): POST {model_server_url}/invocations
// with {"inputs": [...], "params": {...}}, answers read from "predictions", as MLflow's gateway
// does it (mlflow/gateway/providers/mlflow.py). No streaming; chat takes one message.

#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::mlflow_serving {

class MlflowServingAdapter : public ProviderAdapter {
 public:
  MlflowServingAdapter(std::string model, Upstream upstream)
      : model_(std::move(model)), upstream_(std::move(upstream)) {}

  std::string_view provider() const override { return "mlflow-model-serving"; }
  const std::string& provider_model() const override { return model_; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = true, .streaming = false};
  }
  const Upstream& upstream() const override { return upstream_; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

 private:
  std::string model_;
  Upstream upstream_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_mlflow_serving_adapter(const AdapterSpec& spec);

}  // namespace sluice::providers::mlflow_serving
