#include "pipeline/handler/stream_usage.hpp"

#include <boost/json/serialize.hpp>

#include "governance/request_log.hpp"
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

void keep_streamed_bytes(RequestContext& ctx, std::string_view bytes) {
  ctx.streamed_text.append(bytes);
  fold_streamed_text(ctx);
}

void log_answer_text(RequestContext& ctx, const boost::json::object& chunk_or_answer) {
  if (!ctx.log_answer) return;
  ctx.answer_logged = true;
  if (ctx.answer_truncated) return;
  // The writer masks, then cuts to max_bytes: keep a margin so a value at the edge stays whole.
  const std::uint64_t max = ctx.snapshot->governance.request_log.max_bytes + governance::kCutMargin;
  tokenizer::append_streamed_text(chunk_or_answer, ctx.logged_answer);
  if (ctx.logged_answer.size() <= max) return;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(ctx.logged_answer[cut]) & 0xC0) == 0x80) --cut;
  ctx.logged_answer.resize(cut);
  ctx.answer_truncated = true;
}

namespace {

// Whether the provider's counts (implausible ones dropped) leave one out that it owes.
bool incomplete(RequestContext& ctx) {
  model::drop_implausible(ctx.usage);
  const model::Usage& u = ctx.usage;
  const bool embeddings = ctx.request.operation == model::Operation::kEmbeddings;
  // The raw proxy's path may be anything (embeddings through a chat endpoint): usage the
  // provider reported is taken as it is, and only an answer with none is counted here.
  if (ctx.raw_proxy) return ctx.endpoint != nullptr && !u.prompt_tokens && !u.completion_tokens;
  return ctx.endpoint != nullptr && !(u.prompt_tokens && (u.completion_tokens || embeddings));
}

}  // namespace

void complete_usage(RequestContext& ctx, const boost::json::object& answer) {
  if (!incomplete(ctx)) return;
  std::string text;
  tokenizer::append_streamed_text(answer, text);
  complete_usage(ctx, text);
}

void complete_usage(RequestContext& ctx, std::string_view answer_text) {
  if (!incomplete(ctx)) return;
  model::Usage& u = ctx.usage;
  // (The raw proxy's path may be a chat call through an embeddings endpoint: its answer is
  // counted too.)
  const bool embeddings = ctx.request.operation == model::Operation::kEmbeddings && !ctx.raw_proxy;
  const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
  if (!u.prompt_tokens) {
    u.prompt_tokens =
        tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body);
    if (*u.prompt_tokens == 0 && ctx.passthrough)  // a shape the chat tokenizer does not read
      u.prompt_tokens = encoding.count(boost::json::serialize(ctx.request.body));
  }
  if (!u.completion_tokens && !embeddings) {
    u.completion_tokens =
        ctx.streamed_tokens + encoding.count(ctx.streamed_text) + encoding.count(answer_text);
  }
  u.total_tokens = *u.prompt_tokens + u.completion_tokens.value_or(0);
  ctx.usage_estimated = true;
}

}  // namespace sluice::pipeline
