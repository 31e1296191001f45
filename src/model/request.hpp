#pragma once
// The internal request. Its body is kept in OpenAI's dialect, the lingua franca every inbound API
// is translated into and every provider translates out of. Fields sluice does not touch stay in
// the object untouched, so they pass through to OpenAI-dialect providers without a schema change.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

enum class Operation {
  kChat,
  kCompletions,
  kEmbeddings,
  kCustom,  // custom/v1/predict: a non-LLM model behind a custom HTTP API (provider `custom`)
};

// MLflow's endpoint_type string for an operation, e.g. "llm/v1/chat".
std::string_view endpoint_type_name(Operation op);

// What a Responses API request (api/responses) says about stored responses, which the handler acts
// on (pipeline/handler/stored_responses.cpp) when the gateway keeps them (`stores.responses`).
struct StoredResponseAsk {
  std::optional<bool> store;  // `store` as the client sent it (OpenAI's default is true)
  std::string previous_id;    // `previous_response_id`
  bool instructions = false;  // the first message came from `instructions` (not carried over)
  // The id the answer goes out under when it is stored (set by the handler); empty: made from
  // the provider's answer id.
  std::string id{};
  bool stored = false;  // the answer is being kept (echoed as `store`)
};

struct Request {
  Operation operation = Operation::kChat;
  std::string endpoint;      // the `model` the client sent: a configured endpoint name
  boost::json::object body;  // OpenAI-dialect body, `model` still as the client sent it
  bool stream = false;
  bool include_usage = false;      // client asked for stream_options.include_usage
  bool embeddings_base64 = false;  // client asked for encoding_format: "base64"
  // The endpoint fills messages/prompt from a template, so the body may come without them.
  bool templated = false;
  // The body carries Anthropic-only fields (providers/anthropic_fields.hpp lists them), for the
  // anthropic provider to put back; the other providers get the request without them
  // (x-sluice-dropped-params). A new member here must be copied in without_anthropic_fields.
  bool anthropic_fields = false;
  // The client's `anthropic-beta` header (comma-separated feature names), which the anthropic
  // provider forwards: betas change what Anthropic accepts (1 h cache TTL, interleaved thinking,
  // longer contexts), so dropping it breaks the request it came with.
  std::string anthropic_beta{};
  // The client's `anthropic-version` header, when it speaks Anthropic's API (/v1/messages, its
  // token counter, the passthrough): sent instead of the endpoint's configured version, so the
  // client gets the API version it was written for. Empty: the endpoint's.
  std::string anthropic_version{};
  StoredResponseAsk responses{};  // /v1/responses only
};

inline std::string_view endpoint_type_name(Operation op) {
  switch (op) {
    case Operation::kChat:
      return "llm/v1/chat";
    case Operation::kCompletions:
      return "llm/v1/completions";
    case Operation::kEmbeddings:
      return "llm/v1/embeddings";
    case Operation::kCustom:
      return "custom/v1/predict";
  }
  return "";
}

}  // namespace sluice::model
