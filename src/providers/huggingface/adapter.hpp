#pragma once
// Hugging Face Text Generation Inference (and Inference Endpoints running it): completions
// through TGI's own POST /generate and /generate_stream, chat through TGI's OpenAI-compatible
// /v1/chat/completions. Config: hf_server_url (MLflow's) or hf_endpoint_url, hf_api_token.

#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::huggingface {

class TgiAdapter : public ProviderAdapter {
 public:
  TgiAdapter(std::string model, Upstream upstream, std::string token,
             std::shared_ptr<const ProviderAdapter> chat);

  std::string_view provider() const override { return "huggingface-text-generation-inference"; }
  const std::string& provider_model() const override { return model_; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = false, .streaming = true};
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
  std::string token_;
  std::vector<std::string> secrets_;
  std::shared_ptr<const ProviderAdapter> chat_;  // the OpenAI route, for chat
};

Result<std::shared_ptr<const ProviderAdapter>> make_tgi_adapter(const AdapterSpec& spec);

std::string_view finish_reason(std::string_view tgi_reason);
std::unique_ptr<StreamTranslator> make_generate_stream_translator(std::string model);

}  // namespace sluice::providers::huggingface
