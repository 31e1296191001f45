#pragma once
// OpenAI, Azure OpenAI, and every server speaking its dialect (vLLM, Ollama's /v1, Together,
// Groq, …) through `openai_api_base`. The internal model already is OpenAI's dialect, so
// translation is a model rename plus asking for streamed usage; unknown fields pass through
// untouched.

#include <memory>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::openai {

struct OpenAiSettings {
  std::string provider_name = "openai";
  std::string model;
  Upstream upstream;
  std::string api_key;       // empty: no Authorization header (local OpenAI-compatible servers)
  std::string organization;  // OpenAI-Organization header when set
  // Azure OpenAI: {base}/openai/deployments/{deployment}/…?api-version=…, the key in `api-key`
  // (azure) or as a bearer token (azuread), and no `model` in the body (the deployment is it).
  std::string azure_deployment;  // empty: not Azure
  std::string azure_api_version;
  bool azure_bearer = false;
  Capabilities capabilities{
      .chat = true, .completions = true, .embeddings = true, .streaming = true};
};

class OpenAiAdapter : public ProviderAdapter {
 public:
  explicit OpenAiAdapter(OpenAiSettings settings);

  std::string_view provider() const override { return settings_.provider_name; }
  const std::string& provider_model() const override { return settings_.model; }
  Capabilities capabilities() const override { return settings_.capabilities; }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

  std::string_view native_dialect() const override { return "openai"; }
  Result<UpstreamRequest> passthrough_request(std::string_view native_path,
                                              const boost::json::object& body,
                                              bool stream) const override;
  model::Usage passthrough_usage(std::string_view body) const override;
  Result<UpstreamRequest> proxy_request(std::string_view path_and_query,
                                        std::string body) const override;
  bool proxies() const override { return true; }

 private:
  // Path prefix, auth and content headers shared by translated and passthrough requests.
  UpstreamRequest base_request(std::string_view operation_path, bool stream) const;
  OpenAiSettings settings_;
  std::vector<std::string> secrets_;
};

Result<std::shared_ptr<const ProviderAdapter>> make_openai_adapter(const AdapterSpec& spec);

// The OpenAI-dialect stream translator, shared with other OpenAI-dialect adapters (mock).
std::unique_ptr<StreamTranslator> make_openai_stream_translator(std::string provider);

// Usage of a Responses API answer (`usage` of a Response object) as the internal usage.
model::Usage usage_from_responses(const boost::json::object& usage);

// Reads a relayed Responses API stream (/responses passthrough) for its usage only: one usage
// event from the terminal event's response (response.completed, .incomplete or .failed), with
// the response's id as `chunk.id`; a stream that ends before a terminal event was cut short (an
// error at finish).
std::unique_ptr<StreamTranslator> make_responses_usage_reader();

}  // namespace sluice::providers::openai
