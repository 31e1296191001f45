#pragma once
// AWS Bedrock: chat and completions through the Converse / ConverseStream API (streams in AWS's
// binary event-stream framing), embeddings (Titan, Cohere) through InvokeModel; every request
// signed with SigV4. Config: aws_access_key_id, aws_secret_access_key, aws_session_token,
// aws_region (or the same under MLflow's `aws_config:`, or the standard AWS_* environment
// variables), bedrock_endpoint (a VPC endpoint or a test server), unsupported_params.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "providers/bedrock/sigv4.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::bedrock {

struct BedrockSettings {
  std::string model;  // the model ID (or inference profile / ARN)
  Upstream upstream;
  std::string region;
  AwsCredentials credentials;
  bool reject_unsupported = true;
  std::function<long long()> now;  // Unix seconds, for signing (a fixed clock in tests)
};

class BedrockAdapter : public ProviderAdapter {
 public:
  explicit BedrockAdapter(BedrockSettings settings);

  std::string_view provider() const override { return "bedrock"; }
  const std::string& provider_model() const override { return settings_.model; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = true, .streaming = true};
  }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  // cache_control becomes Converse cachePoint blocks (translate.hpp).
  AnthropicFields anthropic_fields_taken() const override { return AnthropicFields::kCacheControl; }
  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

 private:
  BedrockSettings settings_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_bedrock_adapter(const AdapterSpec& spec);
Result<std::shared_ptr<const ProviderAdapter>> make_bedrock_adapter_with(BedrockSettings settings);

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model, bool chat);

}  // namespace sluice::providers::bedrock
