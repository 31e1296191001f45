#pragma once
// Google AI Studio's Gemini API: chat and completions through generateContent (streamed with
// streamGenerateContent?alt=sse), embeddings through batchEmbedContents. Config keys:
// gemini_api_key (MLflow's), gemini_api_base and unsupported_params (reject | drop).

#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::gemini {

class GoogleTokenSource;

struct GeminiSettings {
  std::string provider = "gemini";  // or "vertex_ai"
  std::string model;
  Upstream upstream;
  std::string models_path =
      "/models/";       // Vertex: /projects/{p}/locations/{l}/publishers/google/models/
  std::string api_key;  // AI Studio
  std::shared_ptr<const GoogleTokenSource> token;  // Vertex AI: OAuth tokens of a service account
  bool reject_unsupported = true;
};

class GeminiAdapter : public ProviderAdapter {
 public:
  explicit GeminiAdapter(GeminiSettings settings);

  std::string_view provider() const override { return settings_.provider; }
  const std::string& provider_model() const override { return settings_.model; }
  Capabilities capabilities() const override {
    return {.chat = true, .completions = true, .embeddings = true, .streaming = true};
  }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

  std::string_view native_dialect() const override { return "gemini"; }
  bool keeps_thought_signatures() const override { return true; }
  Result<UpstreamRequest> passthrough_request(std::string_view native_path,
                                              const boost::json::object& body,
                                              bool stream) const override;
  model::Usage passthrough_usage(std::string_view body) const override;
  Result<UpstreamRequest> proxy_request(std::string_view path_and_query,
                                        std::string body) const override;
  bool proxies() const override { return true; }
  std::optional<CredentialRefresh> credential_refresh(long long now) const override;

 private:
  void authorize(UpstreamRequest& out) const;
  GeminiSettings settings_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_gemini_adapter(const AdapterSpec& spec);
// Vertex AI (MLflow's keys vertex_project, vertex_location, vertex_credentials; plus
// vertex_api_base): Gemini's wire format under the project's path, with OAuth tokens.
Result<std::shared_ptr<const ProviderAdapter>> make_vertex_adapter(const AdapterSpec& spec);

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model, bool chat);

}  // namespace sluice::providers::gemini
