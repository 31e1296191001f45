#include "pipeline/handler/stream_usage.hpp"

#include "tokenizer/chat_tokens.hpp"
#include "tokenizer/encoding.hpp"

namespace sluice::pipeline {

namespace {

constexpr std::size_t kStreamTextKeptBytes = 64 * 1024;

void fold_streamed_text(RequestContext& ctx) {
  std::string& text = ctx.streamed_text;
  if (text.size() <= kStreamTextKeptBytes || ctx.endpoint == nullptr) return;
  // Cut before a space or newline, where a new piece of the tokenizer starts anyway; without
  // one, at the end, backed off to the start of a UTF-8 character.
  std::size_t cut = text.find_last_of(" \n", text.size() - 1);
  if (cut == std::string::npos || cut == 0) {
    cut = text.size();
    while (cut > 0 && (static_cast<unsigned char>(text[cut - 1]) & 0xC0) == 0x80) --cut;
    if (cut > 0) --cut;
    if (cut == 0) cut = text.size();
  }
  const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
  ctx.streamed_tokens += encoding.count(std::string_view(text).substr(0, cut));
  text.erase(0, cut);
}

}  // namespace

void keep_streamed_text(RequestContext& ctx, const model::StreamEvent& event) {
  if (event.kind != model::StreamEvent::Kind::kChunk) return;
  tokenizer::append_streamed_text(event.chunk, ctx.streamed_text);
  fold_streamed_text(ctx);
}

void estimate_stream_usage(RequestContext& ctx) {
  if (ctx.endpoint == nullptr) return;
  const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
  model::Usage u;
  u.prompt_tokens =
      tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body);
  u.completion_tokens = ctx.streamed_tokens + encoding.count(ctx.streamed_text);
  u.total_tokens = *u.prompt_tokens + *u.completion_tokens;
  ctx.usage = u;
  ctx.usage_estimated = true;
}

}  // namespace sluice::pipeline
