#pragma once
// Anthropic's Messages API (https://docs.anthropic.com/en/api/messages): chat, and completions
// as a one-message chat. Config keys as MLflow's: anthropic_api_key, anthropic_version; plus
// anthropic_api_base (a proxy or a test server), unsupported_params (reject | drop) and
// anthropic_betas: the client betas forwarded, comma-separated ("*", the default: all; "": none).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::anthropic {

struct AnthropicSettings {
  std::string model;
  Upstream upstream;
  std::string api_key;
  std::string version = "2023-06-01";
  bool reject_unsupported = true;
  // The anthropic-beta values forwarded; nullopt: all of them.
  std::optional<std::vector<std::string>> allowed_betas;
};

class AnthropicAdapter : public ProviderAdapter {
 public:
  explicit AnthropicAdapter(AnthropicSettings settings);

  std::string_view provider() const override { return "anthropic"; }
  const std::string& provider_model() const override { return settings_.model; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = false, .streaming = true};
  }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

  std::string_view native_dialect() const override { return "anthropic"; }
  AnthropicFields anthropic_fields_taken() const override { return AnthropicFields::kAll; }
  Result<UpstreamRequest> passthrough_request(std::string_view native_path,
                                              const boost::json::object& body,
                                              bool stream) const override;
  model::Usage passthrough_usage(std::string_view body) const override;
  Result<UpstreamRequest> proxy_request(std::string_view path_and_query,
                                        std::string body) const override;
  bool proxies() const override { return true; }
  std::string anthropic_beta(std::string_view client,
                             std::vector<std::string>& dropped) const override;

 private:
  UpstreamRequest base_request(std::string_view path, bool stream) const;
  AnthropicSettings settings_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_anthropic_adapter(const AdapterSpec& spec);

std::unique_ptr<StreamTranslator> make_stream_translator(std::string provider, bool chat);

}  // namespace sluice::providers::anthropic
