#include "tokenizer/chat_tokens.hpp"

namespace sluice::tokenizer {

namespace json = boost::json;

namespace {

constexpr std::uint64_t kPerMessage = 3;
constexpr std::uint64_t kPerName = 1;
constexpr std::uint64_t kReplyPriming = 3;

std::uint64_t count_value(const Encoding& e, const json::value& v) {
  if (v.is_string()) return e.count(v.get_string());
  std::uint64_t n = 0;
  if (v.is_array()) {
    for (const auto& part : v.get_array()) {
      if (part.is_string()) {
        n += e.count(part.get_string());
      } else if (part.is_object()) {
        if (const auto* text = part.get_object().if_contains("text"); text && text->is_string())
          n += e.count(text->get_string());
      }
    }
  }
  return n;
}

std::uint64_t as_count(const json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

}  // namespace

std::uint64_t count_prompt_tokens(const Encoding& e, model::Operation operation,
                                  const json::object& body) {
  std::uint64_t n = 0;
  switch (operation) {
    case model::Operation::kChat: {
      const auto* messages = body.if_contains("messages");
      if (messages == nullptr || !messages->is_array()) return 0;
      for (const auto& m : messages->get_array()) {
        if (!m.is_object()) continue;
        n += kPerMessage;
        for (const auto& [key, value] : m.get_object()) {
          if (key == "content" || key == "role") n += count_value(e, value);
          if (key == "name" && value.is_string()) n += e.count(value.get_string()) + kPerName;
        }
      }
      return n + kReplyPriming;
    }
    case model::Operation::kCompletions:
      if (const auto* prompt = body.if_contains("prompt")) return count_value(e, *prompt);
      return 0;
    case model::Operation::kEmbeddings:
      if (const auto* input = body.if_contains("input")) return count_value(e, *input);
      return 0;
    case model::Operation::kCustom:
      return 0;
  }
  return n;
}

std::uint64_t max_completion_tokens(const json::object& body) {
  std::uint64_t max = as_count(body.if_contains("max_completion_tokens"));
  if (max == 0) max = as_count(body.if_contains("max_tokens"));
  const std::uint64_t n = as_count(body.if_contains("n"));
  // Saturating: a hostile n must not wrap the product into a small number.
  if (n > 1 && max > UINT64_MAX / 2 / n) return UINT64_MAX / 2;
  return max * (n > 1 ? n : 1);
}

std::uint64_t native_max_output_tokens(const json::object& body) {
  std::uint64_t max = 0;
  std::uint64_t choices = as_count(body.if_contains("n"));
  for (const char* field : {"max_completion_tokens", "max_output_tokens", "max_tokens"}) {
    if ((max = as_count(body.if_contains(field))) != 0) break;
  }
  if (const auto* g = body.if_contains("generationConfig"); g && g->is_object()) {
    if (max == 0) max = as_count(g->get_object().if_contains("maxOutputTokens"));
    if (choices == 0) choices = as_count(g->get_object().if_contains("candidateCount"));
  }
  // Saturating, as max_completion_tokens.
  if (choices > 1 && max > UINT64_MAX / 2 / choices) return UINT64_MAX / 2;
  return max * (choices > 1 ? choices : 1);
}

void append_streamed_text(const json::object& chunk, std::string& out) {
  const auto* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return;
  for (const auto& c : choices->get_array()) {
    if (!c.is_object()) continue;
    const auto& choice = c.get_object();
    if (const auto* text = choice.if_contains("text"); text && text->is_string())
      out += text->get_string();
    // A chunk's delta, or a whole answer's message.
    const auto* delta = choice.if_contains("delta");
    if (delta == nullptr) delta = choice.if_contains("message");
    if (delta == nullptr || !delta->is_object()) continue;
    if (const auto* content = delta->get_object().if_contains("content");
        content && content->is_string())
      out += content->get_string();
    if (const auto* calls = delta->get_object().if_contains("tool_calls");
        calls && calls->is_array()) {
      for (const auto& call : calls->get_array()) {
        const auto* fn = call.is_object() ? call.get_object().if_contains("function") : nullptr;
        if (fn == nullptr || !fn->is_object()) continue;
        for (const char* field : {"name", "arguments"}) {
          if (const auto* v = fn->get_object().if_contains(field); v && v->is_string())
            out += v->get_string();
        }
      }
    }
  }
}

}  // namespace sluice::tokenizer
