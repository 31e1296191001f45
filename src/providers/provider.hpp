#pragma once
// The provider adapter interface: one implementation per provider folder. Adapters are pure
// translators: they never do I/O, so each is tested with bytes in and bytes out. Connections,
// timeouts and retries belong to upstream/ and routing/.
//
// One adapter object is built per configured endpoint when a config snapshot is loaded (it holds
// that endpoint's provider model name, base URL and credentials), is immutable afterwards, and is
// shared by all worker threads; every method is const and thread-safe.

#include <boost/json/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"
#include "util/url.hpp"

namespace sluice::providers {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Built by the adapter, sent by upstream/.
struct UpstreamRequest {
  std::string method = "POST";
  std::string target;  // origin-relative path + query, e.g. "/v1/chat/completions"
  Headers headers;     // includes auth: log only through util::redact()
  std::string body;
  // Request parameters the provider has no use for and the adapter left out; the client is told
  // in the x-sluice-dropped-params header.
  std::vector<std::string> dropped;
};

struct UpstreamHead {
  unsigned status = 0;
  Headers headers;
};

// What an in-process provider (mock) answers instead of a network server: the same wire bytes a
// server would send, with pacing, so the whole translation path is exercised without a socket.
struct LocalReply {
  UpstreamHead head;
  std::chrono::milliseconds first_byte_delay{0};
  std::vector<std::string> parts;  // body pieces, sent one by one
  std::chrono::milliseconds part_delay{0};
};

class LocalResponder {
 public:
  virtual ~LocalResponder() = default;
  virtual LocalReply respond(const UpstreamRequest& request) const = 0;
};

// Where the adapter's requests go: a network origin, or an in-process responder.
struct Upstream {
  util::BaseUrl url;  // used when `local` is null
  std::shared_ptr<const LocalResponder> local;
};

// Credentials that expire (Vertex AI's OAuth tokens): a request for fresh ones, which the router
// sends before the provider call, and what to do with the answer.
struct CredentialRefresh {
  Upstream upstream;
  UpstreamRequest request;
  std::function<Result<void>(const UpstreamHead&, std::string_view)> accept;
};

struct Capabilities {
  bool chat = false;
  bool completions = false;
  bool embeddings = false;
  bool streaming = false;
  bool custom = false;  // custom/v1/predict

  bool supports(model::Operation op) const {
    switch (op) {
      case model::Operation::kChat:
        return chat;
      case model::Operation::kCompletions:
        return completions;
      case model::Operation::kEmbeddings:
        return embeddings;
      case model::Operation::kCustom:
        return custom;
    }
    return false;
  }
};

// Translates one streamed response. Created per request, holds parse state across reads,
// not thread-safe and never shared.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;
  // `bytes` may end in the middle of an event: the tail is kept. Appends 0..n events.
  // An error event from the provider comes back as an Error.
  virtual Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) = 0;
  // The upstream body ended: flush, or fail if the stream was cut short.
  virtual Result<void> finish(std::vector<model::StreamEvent>& out) = 0;
};

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;
  virtual std::string_view provider() const = 0;          // e.g. "openai"
  virtual const std::string& provider_model() const = 0;  // model name sent upstream
  virtual Capabilities capabilities() const = 0;
  virtual const Upstream& upstream() const = 0;
  // Secret values this adapter holds (API keys), removed from anything shown or logged.
  virtual const std::vector<std::string>& secrets() const = 0;

  virtual Result<UpstreamRequest> translate_request(const model::Request& request) const = 0;
  // A 2xx body → the internal response, usage extracted in the same parse.
  virtual Result<model::Response> translate_response(const model::Request& request,
                                                     const UpstreamHead& head,
                                                     std::string_view body) const = 0;
  virtual std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const = 0;
  // A non-2xx answer → an Error with the provider's message and status.
  virtual Error map_error(const UpstreamHead& head, std::string_view body) const = 0;

  // Provider-native passthrough (the /gateway/<provider>/… paths): which wire dialect this
  // adapter speaks ("openai", "anthropic", "gemini"; empty: none), and the upstream request for
  // the client's own `body` sent to `native_path` under the provider's API root, with this
  // endpoint's model and credentials. The answer goes back to the client unchanged.
  virtual std::string_view native_dialect() const { return {}; }
  // Which Anthropic-only fields of the internal form translate_request reads
  // (providers/anthropic_fields.hpp): none, only cache_control (Bedrock's cachePoint), or all
  // (Anthropic's own API); the router takes the others out.
  enum class AnthropicFields { kNone, kCacheControl, kAll };
  virtual AnthropicFields anthropic_fields_taken() const { return AnthropicFields::kNone; }
  // Whether translate_request reads the Gemini thought signatures riding in tool-call ids
  // (gemini/translate.hpp); for the others the router takes them out of the ids, which another
  // provider would refuse (too long, or not [A-Za-z0-9_-]).
  virtual bool keeps_thought_signatures() const { return false; }
  virtual Result<UpstreamRequest> passthrough_request(std::string_view native_path,
                                                      const boost::json::object& body,
                                                      bool stream) const;
  // MLflow 3's raw proxy (POST /gateway/proxy/{endpoint}/{path}): the client's `body` sent as
  // it is (its `model` too) to `path_and_query` under this endpoint's API root — the base its
  // own calls use, e.g. https://api.openai.com/v1 — with the endpoint's credentials. The path
  // was checked (pipeline::proxy_path_problem) and has no leading '/'. An error (501) for a
  // provider without one.
  virtual Result<UpstreamRequest> proxy_request(std::string_view path_and_query,
                                                std::string body) const;
  // Whether proxy_request can succeed (an endpoint's raw_proxy: true is refused at load if not).
  virtual bool proxies() const { return false; }
  // The client's `anthropic-beta` header (comma-separated betas) as this endpoint forwards it,
  // "" for none; betas left out are named in `dropped` ("anthropic-beta:<name>"). Only the
  // anthropic provider forwards betas, those its config allows.
  virtual std::string anthropic_beta(std::string_view /*client*/,
                                     std::vector<std::string>& /*dropped*/) const {
    return {};
  }
  // Usage from a whole native answer, for accounting (empty when it has none).
  virtual model::Usage passthrough_usage(std::string_view body) const;

  // A credential exchange to make before calling, when this adapter's credentials have expired
  // or are about to (`now` in Unix seconds); none for static keys.
  virtual std::optional<CredentialRefresh> credential_refresh(long long /*now*/) const {
    return std::nullopt;
  }
};

}  // namespace sluice::providers
