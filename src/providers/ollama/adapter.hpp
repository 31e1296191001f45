#pragma once
// Ollama. By default through its OpenAI-compatible /v1 API (the `ollama` preset, as MLflow
// does); with `api: native`, through Ollama's own POST /api/chat, /api/generate and /api/embed,
// whose streams are newline-delimited JSON
// (https://github.com/ollama/ollama/blob/main/docs/api.md).

#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::ollama {

class OllamaNativeAdapter : public ProviderAdapter {
 public:
  OllamaNativeAdapter(std::string model, Upstream upstream, std::string api_key)
      : model_(std::move(model)), upstream_(std::move(upstream)), api_key_(std::move(api_key)) {
    if (!api_key_.empty()) secrets_.push_back(api_key_);
  }

  std::string_view provider() const override { return "ollama"; }
  const std::string& provider_model() const override { return model_; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = true, .streaming = true};
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
  std::string api_key_;
  std::vector<std::string> secrets_;
};

// `provider: ollama`: the native adapter with `api: native`, else the OpenAI-compatible preset.
Result<std::shared_ptr<const ProviderAdapter>> make_ollama_adapter(const AdapterSpec& spec);

std::unique_ptr<StreamTranslator> make_ndjson_translator(std::string model, bool chat);

}  // namespace sluice::providers::ollama
