// Anthropic Messages response → OpenAI chat.completion / text_completion.
#include <boost/json.hpp>
#include <ctime>

#include "providers/anthropic/translate.hpp"

namespace sluice::providers::anthropic {
namespace json = boost::json;

namespace {

std::optional<std::uint64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

}  // namespace

std::string_view finish_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

model::Usage usage_from_anthropic(const json::object& usage) {
  model::Usage u;
  const auto input = count(usage, "input_tokens");
  const auto read = count(usage, "cache_read_input_tokens");
  const auto written = count(usage, "cache_creation_input_tokens");
  if (input || read || written)
    u.prompt_tokens = input.value_or(0) + read.value_or(0) + written.value_or(0);
  u.completion_tokens = count(usage, "output_tokens");
  if (read) u.cached_tokens = read;
  if (written) u.cache_write_tokens = written;
  if (u.prompt_tokens || u.completion_tokens)
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  return u;
}

void add_stop_details(const json::object& message, json::object& choice) {
  const json::value* stop = message.if_contains("stop_reason");
  if (stop != nullptr && stop->is_string() && stop->get_string() != "end_turn" &&
      stop->get_string() != "max_tokens" && stop->get_string() != "tool_use")
    choice["anthropic_stop_reason"] = *stop;
  if (const json::value* seq = message.if_contains("stop_sequence"); seq && seq->is_string())
    choice["anthropic_stop_sequence"] = *seq;
}

Result<model::Response> from_message(const model::Request& request, json::object message,
                                     std::string_view provider) {
  const json::value* content = message.if_contains("content");
  if (content == nullptr || !content->is_array()) {
    Error e = Error::make(ErrorCode::kUpstreamUnavailable,
                          "provider returned a message without a content array");
    e.provider = provider;
    return e;
  }
  std::string text;
  json::array tool_calls;
  json::array thinking_blocks;
  std::string reasoning;
  bool verbatim = false;  // a block the OpenAI shape cannot hold: see anthropic_content below
  for (const auto& b : content->get_array()) {
    const json::object* block = b.if_object();
    if (block == nullptr) continue;
    const json::value* type = block->if_contains("type");
    if (type == nullptr) continue;
    if (*type == "text") {
      if (const auto* t = block->if_contains("text"); t && t->is_string()) text += t->get_string();
      if (const auto* c = block->if_contains("citations"); c && !c->is_null()) verbatim = true;
    } else if (*type == "tool_use") {
      const json::value* input = block->if_contains("input");
      tool_calls.push_back(json::object{
          {"id", block->contains("id") ? block->at("id") : json::value("")},
          {"type", "function"},
          {"function",
           {{"name", block->contains("name") ? block->at("name") : json::value("")},
            {"arguments", input != nullptr ? json::serialize(*input) : std::string("{}")}}}});
    } else if (*type == "thinking" || *type == "redacted_thinking") {
      // Kept verbatim, signature and all: a client's next turn must send them back unchanged.
      if (const auto* t = block->if_contains("thinking"); t && t->is_string())
        reasoning += t->get_string();
      thinking_blocks.push_back(b);
    } else {
      verbatim = true;  // server_tool_use, web_search_tool_result, and types added later
    }
  }
  const json::value* stop = message.if_contains("stop_reason");
  const std::string_view finish = finish_reason(
      stop != nullptr && stop->is_string() ? std::string_view(stop->get_string()) : "");
  model::Response response;
  if (const auto* u = message.if_contains("usage"); u && u->is_object())
    response.usage = usage_from_anthropic(u->get_object());
  json::object body(request.body.storage());
  body["id"] = message.contains("id") ? message.at("id") : json::value("");
  const bool chat = request.operation == model::Operation::kChat;
  body["object"] = chat ? "chat.completion" : "text_completion";
  body["created"] = static_cast<std::int64_t>(std::time(nullptr));
  body["model"] = message.contains("model") ? message.at("model") : json::value("");
  if (chat) {
    json::object msg{{"role", "assistant"}};
    msg["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
    if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
    if (!thinking_blocks.empty()) {
      msg["reasoning_content"] = reasoning;
      msg["thinking_blocks"] = std::move(thinking_blocks);
    }
    // An answer with blocks the fields above cannot hold (a server tool's use and result, text
    // with citations) keeps Anthropic's content as it was, for Anthropic-shaped clients
    // (api/anthropic/render.cpp); the fields above still carry its text and tool calls.
    if (verbatim) msg["anthropic_content"] = *content;
    json::object choice{{"index", 0}, {"message", std::move(msg)}, {"finish_reason", finish}};
    add_stop_details(message, choice);
    body["choices"] = json::array{std::move(choice)};
  } else {
    body["choices"] = json::array{json::object{
        {"index", 0}, {"text", text}, {"finish_reason", finish}, {"logprobs", nullptr}}};
  }
  if (!response.usage.empty()) body["usage"] = model::usage_to_openai(response.usage);
  response.body = std::move(body);
  return response;
}

}  // namespace sluice::providers::anthropic
