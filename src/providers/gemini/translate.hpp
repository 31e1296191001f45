#pragma once
// Google's Gemini API (generateContent, streamGenerateContent, batchEmbedContents) ⇄ the internal
// (OpenAI-dialect) model, as pure functions of JSON
// (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings).

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::providers::gemini {

struct GeminiRequest {
  boost::json::object body;
  std::vector<std::string> dropped;
};

// An OpenAI chat/completions request → a generateContent body; `reject_unsupported` as for the
// anthropic provider (semantics-changing parameters Gemini lacks: 400, or dropped).
Result<GeminiRequest> to_generate_request(const model::Request& request, bool reject_unsupported);
// An OpenAI embeddings request → a batchEmbedContents body for `model`.
Result<boost::json::object> to_embed_request(const model::Request& request, std::string_view model);

std::string_view finish_reason(std::string_view gemini_reason);
model::Usage usage_from_gemini(const boost::json::object& usage_metadata);

// One generateContent response (or one streamed chunk of it) → the OpenAI message parts:
// appends text and tool calls found in the first candidate.
// Gemini signs the thinking behind a function call (`thoughtSignature` on the functionCall part)
// and Gemini 3 refuses the next turn if the signature does not come back with the call. No
// OpenAI or Anthropic field carries it, but every client sends a tool call's id back unchanged:
// the signature rides in the id, after this mark, and is put back on the call's part.
inline constexpr std::string_view kThoughtSignatureMark = "__thought__";

struct CandidateParts {
  std::string text;
  std::string reasoning;  // thought summaries (parts with `thought: true`), as reasoning_content
  // OpenAI shape, ids "call_<n>" numbered from `first_tool` (or Gemini's own id), followed by
  // kThoughtSignatureMark and the signature when the call has one.
  boost::json::array tool_calls;
  std::string finish;    // OpenAI finish reason, empty when the candidate has none
  bool blocked = false;  // the prompt was blocked (promptFeedback.blockReason)
};
CandidateParts read_candidate(const boost::json::object& response, std::size_t first_tool);

Result<model::Response> from_generate_response(const model::Request& request,
                                               boost::json::object response,
                                               const std::string& model);
Result<model::Response> from_embed_response(const model::Request& request,
                                            boost::json::object response, const std::string& model);

}  // namespace sluice::providers::gemini
