#pragma once
// A stream's usage when the provider reports none (an OpenAI-compatible server that ignores
// stream_options, a client's passthrough stream without include_usage): sluice's tokenizer counts
// the prompt and what was streamed, so limits settle, budgets move and the cost is known; the
// access log marks it an estimate (usage_estimated). Used by the translated streams (stream.cpp)
// and the passthrough (passthrough.cpp).

#include "model/response.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

// Adds the text of a chat or completions chunk to ctx.streamed_text. Past 64 KiB, the text up
// to the last word boundary is counted into ctx.streamed_tokens and dropped, so memory stays
// bounded however long the stream runs.
void keep_streamed_text(RequestContext& ctx, const model::StreamEvent& event);

// ctx.usage from the tokenizer: the request's prompt (its chat messages, prompt or input) and
// the streamed text; usage_estimated set. Nothing without an endpoint.
void estimate_stream_usage(RequestContext& ctx);

}  // namespace sluice::pipeline
