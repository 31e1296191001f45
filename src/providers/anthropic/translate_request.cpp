// OpenAI chat/completions request → Anthropic Messages request.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>

#include "providers/anthropic/translate.hpp"
#include "providers/common/support.hpp"
#include "util/base64.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::anthropic {
namespace json = boost::json;

namespace {

Error invalid(std::string message, std::string param = {}) {
  return Error::invalid(std::move(message), std::move(param));
}

// A content part `image_url` → an image block (base64 data URL or a web URL).
Result<json::object> image_block(const json::object& part) {
  const json::value* url = common::image_url_of(part);
  if (url == nullptr) return invalid("image_url.url must be a string.", "messages");
  std::string_view u = url->get_string();
  if (u.starts_with("data:")) {
    auto data = common::parse_data_url(u);
    if (!data)
      return invalid("An image data URL must look like data:image/png;base64,….", "messages");
    return json::object{{"type", "image"},
                        {"source",
                         {{"type", "base64"},
                          {"media_type", common::image_media_type(data->media_type, data->data)},
                          {"data", data->data}}}};
  }
  if (u.starts_with("https://") || u.starts_with("http://")) {
    return json::object{{"type", "image"}, {"source", {{"type", "url"}, {"url", u}}}};
  }
  return invalid("image_url.url must be an http(s) URL or a base64 data URL.", "messages");
}

// A chat `file` part (OpenAI's PDF input, or the Responses API's input_file) → a document block:
// a PDF as base64 or by URL (file_url), plain text as text
// (https://docs.anthropic.com/en/docs/build-with-claude/ pdf-support). A file by id lives in
// OpenAI's Files API, which Anthropic cannot read.
Result<json::object> document_block(const json::object& part) {
  const json::value* f = part.if_contains("file");
  const json::object* file = f != nullptr ? f->if_object() : nullptr;
  const json::value* data = file != nullptr ? file->if_contains("file_data") : nullptr;
  const json::value* link = file != nullptr ? file->if_contains("file_url") : nullptr;
  if (link != nullptr && link->is_string() &&
      (link->get_string().starts_with("https://") || link->get_string().starts_with("http://"))) {
    json::object block{{"type", "document"}, {"source", {{"type", "url"}, {"url", *link}}}};
    if (const json::value* name = file->if_contains("filename"); name && name->is_string())
      block["title"] = *name;
    return block;
  }
  if (data == nullptr || !data->is_string()) {
    return invalid(
        "A file part for the anthropic provider needs file_data (a data URL); files by "
        "file_id live in OpenAI's Files API.",
        "messages");
  }
  auto url = common::parse_data_url(data->get_string());
  json::object source;
  if (url && url->media_type == "application/pdf") {
    source = {{"type", "base64"}, {"media_type", "application/pdf"}, {"data", url->data}};
  } else if (url && url->media_type == "text/plain") {
    auto text = util::base64_decode(url->data);
    if (!text) return invalid("A text/plain file part must be base64.", "messages");
    source = {{"type", "text"}, {"media_type", "text/plain"}, {"data", *text}};
  } else {
    return invalid(
        "The anthropic provider takes files as PDF or plain-text data URLs "
        "(data:application/pdf;base64,…).",
        "messages");
  }
  json::object block{{"type", "document"}, {"source", std::move(source)}};
  if (const json::value* name = file->if_contains("filename"); name && name->is_string())
    block["title"] = *name;
  return block;
}

// Text Anthropic refuses in a block: empty or whitespace only.
bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// A part's, message's or tool's cache marker onto the Anthropic block made from it.
void copy_cache_control(const json::object& from, json::object& to) {
  if (const json::value* c = from.if_contains("cache_control"); c && !c->is_null())
    to["cache_control"] = *c;
}

// Message content (a string or an array of parts) → Anthropic content: a string stays a string.
// Blank text parts are left out (Anthropic refuses them).
Result<json::value> content_of(const json::value* content, bool images_allowed) {
  if (content == nullptr || content->is_null()) return json::value(json::array{});
  if (content->is_string()) return *content;
  if (!content->is_array())
    return invalid("Message content must be a string or an array.", "messages");
  json::array blocks;
  for (const auto& p : content->get_array()) {
    const json::object* part = p.if_object();
    const json::value* type = part != nullptr ? part->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string())
      return invalid("Each content part needs a type.", "messages");
    const std::string_view t = type->get_string();
    if (t == "text") {
      const json::value* text = part->if_contains("text");
      if (text == nullptr || !text->is_string())
        return invalid("A text part needs text.", "messages");
      if (blank(text->get_string())) continue;
      json::object block{{"type", "text"}, {"text", *text}};
      copy_cache_control(*part, block);
      blocks.push_back(std::move(block));
    } else if (t == "image_url" && images_allowed) {
      auto block = image_block(*part);
      if (!block) return block.error();
      copy_cache_control(*part, *block);
      blocks.push_back(std::move(*block));
    } else if (t == "file" && images_allowed) {
      auto block = document_block(*part);
      if (!block) return block.error();
      copy_cache_control(*part, *block);
      blocks.push_back(std::move(*block));
    } else if (t == "anthropic_block") {
      // A block the client sent in Anthropic's own shape (api/anthropic/parse.cpp), as it was.
      const json::value* block = part->if_contains("block");
      if (block == nullptr || !block->is_object())
        return invalid("An anthropic_block part needs its block.", "messages");
      blocks.push_back(*block);
    } else if (t == "refusal") {
      continue;  // an assistant's refusal text has no Anthropic counterpart
    } else {
      return invalid("Content parts of type '" + std::string(t) +
                         "' are not supported by the anthropic provider here.",
                     "messages");
    }
  }
  return json::value(std::move(blocks));
}

json::array as_blocks(json::value content) {
  if (content.is_string()) {
    json::array a;
    if (!blank(content.get_string()))
      a.push_back(json::object{{"type", "text"}, {"text", content}});
    return a;
  }
  return std::move(content.get_array());
}

// Appends a turn, merging it into the previous one when the role repeats (tool results arrive
// as several OpenAI `tool` messages but are one Anthropic user turn).
void append_turn(json::array& messages, std::string_view role, json::value content) {
  if (!messages.empty()) {
    json::object& last = messages.back().get_object();
    if (last.at("role").get_string() == role) {
      json::array merged = as_blocks(std::move(last["content"]));
      for (auto& b : as_blocks(std::move(content))) merged.push_back(std::move(b));
      last["content"] = std::move(merged);
      return;
    }
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(content)}});
}

// An assistant turn: its thinking blocks first (Anthropic wants them back, verbatim and first,
// in a tool loop with thinking on), then its text, then its tool calls.
Result<json::value> assistant_blocks(const json::object& msg, json::value content) {
  const json::value* calls = msg.if_contains("tool_calls");
  const json::value* thinking = msg.if_contains("thinking_blocks");
  const bool has_calls = calls != nullptr && calls->is_array() && !calls->get_array().empty();
  const bool has_thinking =
      thinking != nullptr && thinking->is_array() && !thinking->get_array().empty();
  if (!has_calls && !has_thinking) return content;
  json::array blocks;
  if (has_thinking) {
    for (const auto& b : thinking->get_array()) {
      const json::object* block = b.if_object();
      const json::value* type = block ? block->if_contains("type") : nullptr;
      if (type == nullptr || (*type != "thinking" && *type != "redacted_thinking"))
        return invalid("thinking_blocks holds thinking and redacted_thinking blocks.", "messages");
      // Thinking another provider streamed has no signature, and Anthropic refuses a thinking
      // block without its own: it is left out.
      const json::value* sig = block->if_contains("signature");
      if (*type == "thinking" && (sig == nullptr || !sig->is_string() || sig->get_string().empty()))
        continue;
      blocks.push_back(b);
    }
  }
  for (auto& b : as_blocks(std::move(content))) blocks.push_back(std::move(b));
  if (!has_calls) return json::value(std::move(blocks));
  for (const auto& c : calls->get_array()) {
    const json::object* call = c.if_object();
    const json::object* fn = call ? call->contains("function") && call->at("function").is_object()
                                        ? &call->at("function").get_object()
                                        : nullptr
                                  : nullptr;
    if (fn == nullptr || !call->contains("id") || !fn->contains("name")) {
      return invalid("Each tool call needs an id and a function name.", "messages");
    }
    json::value input = json::object{};
    if (const auto* args = fn->if_contains("arguments");
        args && args->is_string() && !args->get_string().empty()) {
      boost::system::error_code ec;
      input = util::parse_json(args->get_string(), ec);
      if (ec || !input.is_object())
        return invalid("Tool call arguments must be a JSON object.", "messages");
    }
    json::object block{{"type", "tool_use"},
                       {"id", call->at("id")},
                       {"name", fn->at("name")},
                       {"input", std::move(input)}};
    copy_cache_control(*call, block);
    blocks.push_back(std::move(block));
  }
  return json::value(std::move(blocks));
}

Result<void> translate_messages(const json::value* given, json::object& out) {
  if (given == nullptr || !given->is_array())
    return invalid("'messages' must be an array.", "messages");
  std::string system;
  json::array system_blocks;  // when a system part carries a cache marker
  json::array messages;
  for (const auto& m : given->get_array()) {
    const json::object* msg = m.if_object();
    const json::value* role = msg ? msg->if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string())
      return invalid("Each message needs a role.", "messages");
    const std::string_view r = role->get_string();
    const json::value* content = msg->if_contains("content");
    if (r == "system" || r == "developer") {
      // Kept both as one string and as blocks; the blocks are sent only when one is marked.
      auto blocks = content_of(content, false);
      if (!blocks) return blocks.error();
      const bool one_string = blocks->is_string();
      if (one_string) {
        if (!system.empty()) system += '\n';
        system += blocks->get_string();
      }
      for (auto& b : as_blocks(std::move(*blocks))) {
        // Anthropic's system prompt takes text blocks only (an anthropic_block part of another
        // type, or a text without a string, is refused here rather than sent).
        const json::object& block = b.get_object();
        const json::value* text = block.if_contains("text");
        if (block.if_contains("type") == nullptr || block.at("type") != "text" || text == nullptr ||
            !text->is_string())
          return invalid("A system message takes text parts only.", "messages");
        if (!one_string) {
          if (!system.empty()) system += '\n';
          system += text->get_string();
        }
        system_blocks.push_back(std::move(b));
      }
    } else if (r == "user") {
      auto c = content_of(content, true);
      if (!c) return c.error();
      append_turn(messages, "user", std::move(*c));
    } else if (r == "assistant") {
      auto c = content_of(content, false);
      if (!c) return c.error();
      c = assistant_blocks(*msg, std::move(*c));
      if (!c) return c.error();
      append_turn(messages, "assistant", std::move(*c));
    } else if (r == "tool") {
      const json::value* id = msg->if_contains("tool_call_id");
      if (id == nullptr || !id->is_string())
        return invalid("A tool message needs tool_call_id.", "messages");
      auto c = content_of(content, true);
      if (!c) return c.error();
      json::object result{{"type", "tool_result"}, {"tool_use_id", *id}};
      if (const auto* e = msg->if_contains("is_error"); e && e->is_bool() && e->get_bool())
        result["is_error"] = true;
      result["content"] = std::move(*c);
      copy_cache_control(*msg, result);
      append_turn(messages, "user", json::array{std::move(result)});
    } else {
      return invalid("Messages with role '" + std::string(r) +
                         "' are not supported by the anthropic provider.",
                     "messages");
    }
  }
  // Blank text left out can leave a turn with nothing, which Anthropic refuses in any turn but a
  // final assistant one (a prefill); said here, with the turn, rather than sent.
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json::object& turn = messages[i].get_object();
    const json::value& c = turn.at("content");
    const bool prefill = i + 1 == messages.size() && turn.at("role") == "assistant";
    if (c.is_array() && c.get_array().empty() && !prefill) {
      return invalid("Anthropic turn " + std::to_string(i) + " (" +
                         std::string(turn.at("role").get_string()) +
                         ") has no content the anthropic provider takes: blank text is left out "
                         "and unsigned thinking is not sent back.",
                     "messages");
    }
  }
  bool marked = false;
  for (const auto& b : system_blocks) marked = marked || b.get_object().contains("cache_control");
  if (marked) {
    out["system"] = std::move(system_blocks);
  } else if (!system.empty()) {
    out["system"] = system;
  }
  out["messages"] = std::move(messages);
  return {};
}

Result<json::object> translate_tools(const json::value& tools) {
  if (!tools.is_array()) return invalid("'tools' must be an array.", "tools");
  json::array out;
  for (const auto& t : tools.get_array()) {
    const json::object* tool = t.if_object();
    if (tool != nullptr && tool->contains("type") && tool->at("type") == "anthropic_tool" &&
        tool->contains("tool") && tool->at("tool").is_object()) {
      out.push_back(tool->at("tool"));  // a server tool, as the client defined it
      continue;
    }
    const json::value* fn = tool ? tool->if_contains("function") : nullptr;
    if (tool == nullptr || !tool->contains("type") || tool->at("type") != "function" ||
        fn == nullptr || !fn->is_object() || !fn->get_object().contains("name")) {
      return invalid("The anthropic provider takes tools of type 'function' with a name.", "tools");
    }
    const json::object& f = fn->get_object();
    json::object a{{"name", f.at("name")}};
    if (const auto* d = f.if_contains("description")) a["description"] = *d;
    const json::value* params = f.if_contains("parameters");
    a["input_schema"] =
        params != nullptr && params->is_object()
            ? *params
            : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
    copy_cache_control(*tool, a);
    out.push_back(std::move(a));
  }
  return json::object{{"tools", std::move(out)}};
}

Result<json::object> translate_tool_choice(const json::value& choice) {
  if (choice.is_string()) {
    const std::string_view c = choice.get_string();
    if (c == "auto") return json::object{{"type", "auto"}};
    if (c == "none") return json::object{{"type", "none"}};
    if (c == "required") return json::object{{"type", "any"}};
  } else if (const json::object* o = choice.if_object()) {
    const json::value* fn = o->if_contains("function");
    if (fn != nullptr && fn->is_object() && fn->get_object().contains("name"))
      return json::object{{"type", "tool"}, {"name", fn->get_object().at("name")}};
  }
  return invalid("tool_choice must be auto, none, required or {type: function, function: {name}}.",
                 "tool_choice");
}

// What a max_tokens the client set keeps for the answer when reasoning_effort asks for thinking.
constexpr std::int64_t kMinAnswerTokens = 1024;

// OpenAI's reasoning_effort as an Anthropic thinking budget in tokens (the mapping other gateways
// use, docs/providers.md has the table): 0 for no thinking, -1 for an effort that is none of these.
std::int64_t thinking_budget(std::string_view effort) {
  if (effort == "minimal" || effort == "none") return 0;
  if (effort == "low") return 1024;
  if (effort == "medium") return 2048;
  if (effort == "high") return 4096;
  if (effort == "xhigh") return 8192;
  return -1;
}

bool is_zero(const json::value& v) {
  return v.is_null() || (v.is_number() && v.to_number<double>() == 0.0);
}

}  // namespace

std::uint64_t default_max_tokens(std::string_view model) {
  // The Claude 3 (not 3.5+) models stop at 4096 output tokens; later ones take at least 8192.
  if (model.starts_with("claude-3-") && !model.starts_with("claude-3-5") &&
      !model.starts_with("claude-3-7")) {
    return 4096;
  }
  return 8192;
}

Result<MessagesRequest> to_messages_request(const model::Request& request,
                                            const RequestOptions& options) {
  MessagesRequest result;
  json::object& out = result.body;
  out["model"] = options.model;
  const json::object& in = request.body;
  const bool chat = request.operation == model::Operation::kChat;
  const json::value* max = in.if_contains("max_completion_tokens");
  if (max == nullptr || max->is_null()) max = in.if_contains("max_tokens");
  if (max != nullptr && !max->is_null()) {
    if (!max->is_int64() && !max->is_uint64())
      return invalid("max_tokens must be an integer.", "max_tokens");
    out["max_tokens"] = *max;
  } else {
    out["max_tokens"] = default_max_tokens(options.model);
  }
  const bool client_max = max != nullptr && !max->is_null();
  if (chat) {
    if (auto r = translate_messages(in.if_contains("messages"), out); !r) return r.error();
  } else {
    const json::value* prompt = in.if_contains("prompt");
    if (prompt != nullptr && prompt->is_array() && prompt->get_array().size() == 1)
      prompt = &prompt->get_array()[0];
    if (prompt == nullptr || !prompt->is_string())
      return invalid("The anthropic provider takes one prompt string.", "prompt");
    out["messages"] = json::array{json::object{{"role", "user"}, {"content", *prompt}}};
  }

  common::Unsupported unsupported("anthropic", options.reject_unsupported, result.dropped);
  std::optional<json::object> tool_choice;
  bool parallel_off = false;
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "messages" || key == "prompt" || key == "max_tokens" ||
        key == "max_completion_tokens" || key == "stream_options") {
      continue;
    }
    if (key == "temperature") {
      if (!v.is_null() &&
          (!v.is_number() || v.to_number<double>() < 0 || v.to_number<double>() > 1))
        return invalid("temperature must be between 0 and 1 for anthropic models.", "temperature");
      if (!v.is_null()) out["temperature"] = v;
    } else if (key == "stop") {
      if (v.is_string()) {
        out["stop_sequences"] = json::array{v};
      } else if (v.is_array()) {
        out["stop_sequences"] = v;
      } else if (!v.is_null()) {
        return invalid("stop must be a string or an array of strings.", "stop");
      }
    } else if (key == "stream") {
      if (v.is_bool() && v.get_bool()) out["stream"] = true;
    } else if (key == "tools") {
      auto tools = translate_tools(v);
      if (!tools) return tools.error();
      out["tools"] = std::move(tools->at("tools"));
    } else if (key == "tool_choice") {
      auto c = translate_tool_choice(v);
      if (!c) return c.error();
      tool_choice = std::move(*c);
    } else if (key == "parallel_tool_calls") {
      parallel_off = v.is_bool() && !v.get_bool();
    } else if (key == "user") {
      if (v.is_string()) out["metadata"] = json::object{{"user_id", v}};
    } else if (key == "n" || key == "best_of") {
      if (!v.is_null() && !(v.is_number() && v.to_number<double>() == 1)) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "logprobs" || key == "echo") {
      if (v.is_bool() ? v.get_bool() : !v.is_null()) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "presence_penalty" || key == "frequency_penalty") {
      if (!is_zero(v)) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "response_format") {
      const json::object* f = v.if_object();
      const bool text = v.is_null() || (f && f->contains("type") && f->at("type") == "text");
      if (!text) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "top_logprobs" || key == "logit_bias" || key == "suffix" || key == "audio" ||
               key == "modalities" || key == "prediction" || key == "web_search_options" ||
               key == "functions" || key == "function_call") {
      if (!v.is_null()) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "reasoning_effort") {
      if (v.is_null() || in.contains("thinking")) continue;  // the client's own thinking wins
      if (!v.is_string()) return invalid("reasoning_effort must be a string.", "reasoning_effort");
      std::int64_t budget = thinking_budget(v.get_string());
      if (budget < 0) {
        return invalid(
            "reasoning_effort must be none, minimal, low, medium, high or xhigh for anthropic "
            "models.",
            "reasoning_effort");
      }
      if (budget == 0) continue;
      // Anthropic counts thinking within max_tokens and wants budget_tokens ≥ 1024 and below it.
      // A max_tokens the client left to the default grows by the budget; one the client set
      // keeps at least kMinAnswerTokens for the answer, or thinking is left out (named).
      const json::value& max_tokens = out.at("max_tokens");
      const std::int64_t cap =
          max_tokens.is_number() ? max_tokens.to_number<std::int64_t>() : INT64_MAX;
      if (!client_max) {
        out["max_tokens"] = cap + budget;
      } else {
        budget = std::min(budget, cap - kMinAnswerTokens);
        if (budget < 1024) {
          unsupported.cosmetic(key);
          continue;
        }
      }
      out["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    } else if (key == "service_tier" && (v == "auto" || v == "standard_only")) {
      out[key] = v;  // Anthropic's own values; OpenAI's others (flex, priority) have no match
    } else if (key == "seed" || key == "service_tier" || key == "store" || key == "metadata") {
      unsupported.cosmetic(key);
    } else {
      out[key] = v;  // top_p, top_k, thinking and anything else: Anthropic judges it
    }
  }
  if (parallel_off) {
    if (!tool_choice) tool_choice = json::object{{"type", "auto"}};
    (*tool_choice)["disable_parallel_tool_use"] = true;
  }
  if (tool_choice) out["tool_choice"] = std::move(*tool_choice);
  return result;
}

}  // namespace sluice::providers::anthropic
