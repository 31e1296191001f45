#pragma once
// The texts of a request and of an answer that guardrails read and may rewrite, in the internal
// (OpenAI-dialect) shape every inbound API is translated into: message contents and text parts,
// tool results, earlier tool-call arguments, Anthropic blocks kept verbatim (their text), a
// completion's prompt, an embedding's input; an answer's message contents, completion texts and
// tool-call arguments. Signed thinking blocks are left alone (changing one invalidates it).

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <functional>

#include "model/request.hpp"

namespace sluice::policies::guardrail_texts {

// Who wrote a text, as the guardrails tell sources apart (prompt injection reads the user's and,
// when asked, the tools').
enum class Source : std::uint8_t { kSystem, kUser, kAssistant, kTool };

// Calls `visit` with each text of the request (in order), which it may assign to; stops at the
// first visit returning false and returns false then.
using Visit = std::function<bool(boost::json::string& text, Source source)>;
bool each_request_text(boost::json::object& body, model::Operation operation, const Visit& visit);

// Every string of the request a data guardrail (pii, secrets, deny) reads: the texts above and
// whatever else goes to the provider as written (tool descriptions and schemas, metadata, user,
// stop sequences, fields sluice does not know), as kUser. Left out: the endpoint name, roles and
// types, signed thinking blocks, base64 and data-URL payloads. Tool-call arguments that are JSON
// are read decoded (a "\u0040" is an '@'), and written back re-encoded when a visit changed one.
bool each_request_string(boost::json::object& body, const Visit& visit);

// The same over a non-streamed answer (chat.completion or text_completion): every string of each
// choice's message (content, reasoning, refusal, tool-call and function-call arguments decoded as
// above, annotations, an audio transcript) and completion texts, as kAssistant.
bool each_answer_text(boost::json::object& body, const Visit& visit);

// `visit` on `text`, or, when `text` is a JSON object or array (tool-call arguments), on each
// string inside it, decoded; `text` is re-encoded when one changed.
bool visit_json_or_text(boost::json::string& text, Source source, const Visit& visit);

}  // namespace sluice::policies::guardrail_texts
