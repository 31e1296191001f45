#pragma once
// A stream's (or an answer's) usage when the provider reports none (an OpenAI-compatible server
// that ignores stream_options, a client's passthrough stream without include_usage): sluice's
// tokenizer counts the prompt and what was streamed, so limits settle, budgets move and the cost is
// known; the access log marks it an estimate (usage_estimated). Used by the translated streams
// (stream.cpp) and the passthrough (passthrough.cpp).

#include "model/response.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

// Adds the text of a chat or completions chunk to ctx.streamed_text. Past 64 KiB, the text up
// to the last word boundary is counted into ctx.streamed_tokens and dropped, so memory stays
// bounded however long the stream runs.
void keep_streamed_text(RequestContext& ctx, const model::StreamEvent& event);
// The same for a relayed stream no reader can read (a provider-native or raw proxy stream of
// another shape): its bytes as they came, so its completion is estimated from them (over, with
// the framing, never free).
void keep_streamed_bytes(RequestContext& ctx, std::string_view bytes);

// The payload log's answer: appends the text of a chunk or a whole answer (internal OpenAI shape)
// to ctx.logged_answer when the request's answer is logged, at most `max_bytes` in all (cut at a
// character boundary, ctx.answer_truncated set).
void log_answer_text(RequestContext& ctx, const boost::json::object& chunk_or_answer);

// ctx.usage completed by the tokenizer wherever the provider left out a count it owes (no usage
// at all, a count that is not a whole number, one past model::kMaxTokens): the prompt from the
// request (its messages, prompt or input; a provider-native body that has none of those, as
// text), the completion from `answer_text` plus what a stream kept. usage_estimated set when
// anything was counted. For an answer that reached the client; nothing without an endpoint.
void complete_usage(RequestContext& ctx, std::string_view answer_text = {});
// The same for a whole answer in the internal (OpenAI) shape, whose text is read only when a
// count is missing.
void complete_usage(RequestContext& ctx, const boost::json::object& answer);

}  // namespace sluice::pipeline
