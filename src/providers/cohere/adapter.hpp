#pragma once
// Cohere's v2 API (https://docs.cohere.com/reference/chat, /reference/embed): chat (streamed
// too, with tool calls) and embeddings. Config keys: cohere_api_key (MLflow's), cohere_api_base
// and unsupported_params (reject | drop).

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::cohere {

struct CohereSettings {
  std::string model;
  Upstream upstream;
  std::string api_key;
  bool reject_unsupported = true;
};

class CohereAdapter : public ProviderAdapter {
 public:
  explicit CohereAdapter(CohereSettings settings);

  std::string_view provider() const override { return "cohere"; }
  const std::string& provider_model() const override { return settings_.model; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = false, .embeddings = true, .streaming = true};
  }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

 private:
  CohereSettings settings_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_cohere_adapter(const AdapterSpec& spec);

// Pieces shared by the adapter, its stream translator and their tests.
std::string_view finish_reason(std::string_view cohere_reason);
model::Usage usage_from_cohere(const boost::json::value* usage);
std::unique_ptr<StreamTranslator> make_stream_translator(std::string model);

}  // namespace sluice::providers::cohere
