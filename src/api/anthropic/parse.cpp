// Anthropic Messages request → internal (OpenAI-dialect) request.
#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"

namespace sluice::api::anthropic {
namespace json = boost::json;

namespace {

Error invalid(std::string message) { return Error::invalid(std::move(message)); }

// Anthropic-only fields of a block that the internal form keeps on the matching OpenAI part,
// message or tool (docs/providers.md, "What passes through"): the anthropic provider puts them
// back, the others drop them (x-sluice-dropped-params).
void keep_cache_control(const json::object& block, json::object& part, bool& extras) {
  if (const json::value* c = block.if_contains("cache_control"); c && !c->is_null()) {
    part["cache_control"] = *c;
    extras = true;
  }
}

// A block this gateway does not translate (a PDF `document`, a `search_result`, a server tool's
// `server_tool_use` and its result, and block types Anthropic adds later) rides in the internal
// request as an `anthropic_block` part, verbatim: the anthropic provider puts it back where it
// was; the other providers refuse it (or, in an assistant turn, leave it out) by name
// (providers/anthropic_fields.hpp).
json::object opaque_part(const json::object& block, bool& extras) {
  extras = true;
  return json::object{{"type", "anthropic_block"}, {"block", block}};
}

bool translated_block(std::string_view type) {
  return type == "text" || type == "image" || type == "tool_use" || type == "tool_result" ||
         type == "thinking" || type == "redacted_thinking";
}

// Text with citations (a web search answer sent back) keeps them only as it is.
bool cited_text(const json::object& block) {
  const json::value* c = block.if_contains("citations");
  return c != nullptr && !c->is_null() && block.contains("type") && block.at("type") == "text";
}

bool has_opaque_block(const json::array& blocks) {
  for (const auto& b : blocks) {
    const json::object* o = b.if_object();
    const json::value* t = o != nullptr ? o->if_contains("type") : nullptr;
    if (t != nullptr && t->is_string() && !translated_block(t->get_string())) return true;
    if (o != nullptr && cited_text(*o)) return true;
  }
  return false;
}

bool has_cache_control(const json::array& blocks) {
  for (const auto& b : blocks) {
    const json::object* o = b.if_object();
    const json::value* c = o != nullptr ? o->if_contains("cache_control") : nullptr;
    if (c != nullptr && !c->is_null()) return true;
  }
  return false;
}

// A text block of a list kept as parts (`parts`: one carries a cache marker or an image) or
// joined into `joined` with newlines.
void add_text(const json::object& block, json::string_view text, bool parts, json::array& out,
              std::string& joined, bool& extras) {
  if (parts) {
    json::object part{{"type", "text"}, {"text", text}};
    keep_cache_control(block, part, extras);
    out.push_back(std::move(part));
  } else {
    if (!joined.empty()) joined += '\n';
    joined += text;
  }
}

// A system prompt: a string, or text blocks joined into one string; text parts when a block
// carries cache_control, so the marker reaches a provider that caches.
Result<json::value> system_content(const json::value& content, bool& extras) {
  if (content.is_string()) return content;
  if (!content.is_array()) return invalid("system: must be a string or a list of blocks");
  const bool parts = has_cache_control(content.get_array());
  std::string text;
  json::array out;
  for (const auto& b : content.get_array()) {
    const json::object* block = b.if_object();
    const json::value* t = block ? block->if_contains("text") : nullptr;
    if (block == nullptr || !block->contains("type") || block->at("type") != "text" ||
        t == nullptr || !t->is_string()) {
      return invalid("system: only text blocks are supported here");
    }
    add_text(*block, t->get_string(), parts, out, text, extras);
  }
  return parts ? json::value(std::move(out)) : json::value(std::move(text));
}

Result<json::object> image_part(const json::object& block) {
  const json::value* source = block.if_contains("source");
  const json::object* s = source ? source->if_object() : nullptr;
  const json::value* type = s ? s->if_contains("type") : nullptr;
  if (type != nullptr && *type == "base64" && s->contains("media_type") && s->contains("data") &&
      s->at("media_type").is_string() && s->at("data").is_string()) {
    std::string url = "data:";
    url += s->at("media_type").get_string();
    url += ";base64,";
    url += s->at("data").get_string();
    return json::object{{"type", "image_url"}, {"image_url", {{"url", url}}}};
  }
  if (type != nullptr && *type == "url" && s->contains("url") && s->at("url").is_string())
    return json::object{{"type", "image_url"}, {"image_url", {{"url", s->at("url")}}}};
  return invalid("messages: an image source must be base64 (media_type, data) or url");
}

// A tool_result's content: a string, text blocks joined into one string, or (with images or
// cache markers) OpenAI text and image parts.
Result<json::value> tool_result_content(const json::value& content, bool& extras) {
  if (content.is_string()) return content;
  if (!content.is_array())
    return invalid("messages: tool_result content must be a string or a list of blocks");
  bool parts = has_cache_control(content.get_array()) || has_opaque_block(content.get_array());
  for (const auto& b : content.get_array()) {
    const json::object* block = b.if_object();
    if (block != nullptr && block->contains("type") && block->at("type") == "image") parts = true;
  }
  // Parts in a tool message only the anthropic provider takes (see anthropic_fields.hpp).
  extras = extras || parts;
  std::string text;
  json::array out;
  for (const auto& b : content.get_array()) {
    const json::object* block = b.if_object();
    const json::value* type = block ? block->if_contains("type") : nullptr;
    const json::value* t = block ? block->if_contains("text") : nullptr;
    if (type != nullptr && *type == "text" && t != nullptr && t->is_string()) {
      add_text(*block, t->get_string(), parts, out, text, extras);
    } else if (type != nullptr && *type == "image") {
      auto part = image_part(*block);
      if (!part) return part.error();
      keep_cache_control(*block, *part, extras);
      out.push_back(std::move(*part));
    } else if (type != nullptr && type->is_string() && !translated_block(type->get_string())) {
      out.push_back(opaque_part(*block, extras));  // a document or search_result, as it is
    } else {
      return invalid("messages: tool_result content takes text, image and document blocks");
    }
  }
  return parts ? json::value(std::move(out)) : json::value(std::move(text));
}

// A thinking block goes back to Anthropic verbatim, so it is checked the way Anthropic checks it:
// `thinking` and `signature` strings, or a redacted block's `data` string. Left unchecked, a
// block Anthropic would refuse could be dropped on the way and the turn sent without it.
Result<void> check_thinking(const json::object& block, std::string_view type) {
  auto is_string = [&](const char* key) {
    const json::value* v = block.if_contains(key);
    return v != nullptr && v->is_string();
  };
  if (type == "thinking" && !(is_string("thinking") && is_string("signature")))
    return invalid("messages: a thinking block needs thinking and signature strings");
  if (type == "redacted_thinking" && !is_string("data"))
    return invalid("messages: a redacted_thinking block needs a data string");
  return {};
}

// One Anthropic message → one or more OpenAI messages (tool results become `tool` messages).
// Thinking blocks stay on the assistant message (`thinking_blocks`, verbatim with their
// signatures, and their text as `reasoning_content`): Anthropic requires them back unchanged
// in a tool loop with thinking on.
Result<void> convert_message(const json::object& msg, json::array& out, bool& extras) {
  const json::value* role = msg.if_contains("role");
  const json::value* content = msg.if_contains("content");
  if (role == nullptr || !role->is_string() || content == nullptr)
    return invalid("messages: each message needs role and content");
  const std::string_view r = role->get_string();
  if (r != "user" && r != "assistant")
    return invalid("messages: role must be user or assistant, not '" + std::string(r) + "'");
  if (content->is_string()) {
    out.push_back(json::object{{"role", r}, {"content", *content}});
    return {};
  }
  if (!content->is_array())
    return invalid("messages: content must be a string or a list of blocks");
  json::array parts;
  json::array tool_calls;
  json::array thinking_blocks;
  std::string reasoning;
  // An assistant's text blocks are joined into one string unless one carries a cache marker.
  const bool assistant_parts = r == "assistant" && (has_cache_control(content->get_array()) ||
                                                    has_opaque_block(content->get_array()));
  std::string assistant_text;
  for (const auto& b : content->get_array()) {
    const json::object* block = b.if_object();
    const json::value* type = block ? block->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) return invalid("messages: each block needs a type");
    const std::string_view t = type->get_string();
    if (t == "text" && cited_text(*block)) {
      parts.push_back(opaque_part(*block, extras));
    } else if (t == "text") {
      const json::value* text = block->if_contains("text");
      if (text == nullptr || !text->is_string())
        return invalid("messages: a text block needs text");
      if (r == "assistant" && !assistant_parts) {
        assistant_text += text->get_string();
      } else {
        json::object part{{"type", "text"}, {"text", *text}};
        keep_cache_control(*block, part, extras);
        parts.push_back(std::move(part));
      }
    } else if (t == "image" && r == "user") {
      auto part = image_part(*block);
      if (!part) return part.error();
      keep_cache_control(*block, *part, extras);
      parts.push_back(std::move(*part));
    } else if (t == "tool_result" && r == "user") {
      const json::value* id = block->if_contains("tool_use_id");
      if (id == nullptr || !id->is_string())
        return invalid("messages: tool_result needs tool_use_id");
      json::value result_content("");
      if (const json::value* c = block->if_contains("content"); c && !c->is_null()) {
        auto converted = tool_result_content(*c, extras);
        if (!converted) return converted.error();
        result_content = std::move(*converted);
      }
      const json::value* e = block->if_contains("is_error");
      if (e != nullptr && !e->is_null() && !e->is_bool())
        return invalid("messages: tool_result is_error must be a boolean");
      const bool is_error = e != nullptr && e->is_bool() && e->get_bool();
      json::object tool{{"role", "tool"}, {"tool_call_id", *id}, {"content", result_content}};
      keep_cache_control(*block, tool, extras);
      if (is_error) {
        tool["is_error"] = true;
        extras = true;
      }
      out.push_back(std::move(tool));
    } else if (t == "tool_use" && r == "assistant") {
      const json::value* input = block->if_contains("input");
      json::object call{
          {"id", block->contains("id") ? block->at("id") : json::value("")},
          {"type", "function"},
          {"function",
           {{"name", block->contains("name") ? block->at("name") : json::value("")},
            {"arguments", input != nullptr ? json::serialize(*input) : std::string("{}")}}}};
      keep_cache_control(*block, call, extras);
      tool_calls.push_back(std::move(call));
    } else if ((t == "thinking" || t == "redacted_thinking") && r == "assistant") {
      if (auto checked = check_thinking(*block, t); !checked) return checked;
      if (t == "thinking") reasoning += block->at("thinking").get_string();
      thinking_blocks.push_back(*block);
      extras = true;
    } else if (!translated_block(t)) {
      parts.push_back(opaque_part(*block, extras));
    } else {
      return invalid("messages: content blocks of type '" + std::string(t) + "' cannot be in a " +
                     std::string(r) + " message");
    }
  }
  if (r == "assistant") {
    json::object m{{"role", "assistant"}};
    if (assistant_parts && !(parts.empty() && !tool_calls.empty())) {
      m["content"] = std::move(parts);
    } else {
      m["content"] = assistant_text.empty() && !tool_calls.empty() ? json::value(nullptr)
                                                                   : json::value(assistant_text);
    }
    if (!tool_calls.empty()) m["tool_calls"] = std::move(tool_calls);
    if (!thinking_blocks.empty()) {
      m["reasoning_content"] = reasoning;
      m["thinking_blocks"] = std::move(thinking_blocks);
    }
    out.push_back(std::move(m));
  } else if (!parts.empty()) {
    out.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
  }
  return {};
}

Result<json::value> convert_tools(const json::value& tools, bool& extras) {
  if (!tools.is_array()) return invalid("tools: must be a list");
  json::array out;
  for (const auto& t : tools.get_array()) {
    const json::object* tool = t.if_object();
    if (tool == nullptr || !tool->contains("name")) return invalid("tools: each tool needs a name");
    if (const auto* type = tool->if_contains("type"); type && *type != "custom") {
      // A server tool (web search, code execution, …): Anthropic runs it, so only an anthropic
      // endpoint can take it; it rides verbatim (providers/anthropic_fields.hpp).
      extras = true;
      out.push_back(json::object{{"type", "anthropic_tool"}, {"tool", *tool}});
      continue;
    }
    json::object fn{{"name", tool->at("name")}};
    if (const auto* d = tool->if_contains("description")) fn["description"] = *d;
    if (const auto* schema = tool->if_contains("input_schema")) fn["parameters"] = *schema;
    json::object tool_out{{"type", "function"}, {"function", std::move(fn)}};
    keep_cache_control(*tool, tool_out, extras);
    out.push_back(std::move(tool_out));
  }
  return json::value(std::move(out));
}

}  // namespace

Result<void> AnthropicApi::parse(model::Operation, std::string_view text,
                                 model::Request& out) const {
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(text, ec, out.body.storage());
  if (util::too_deep(ec)) return invalid(std::string(util::kTooDeepMessage));
  if (ec || !parsed.is_object()) return invalid("The request body must be a JSON object.");
  const json::object& in = parsed.get_object();
  out.operation = model::Operation::kChat;
  const json::value* model = in.if_contains("model");
  if (model == nullptr) return invalid("model: Field required");
  if (!model->is_string()) return invalid("model: Input should be a valid string");
  out.endpoint = model->get_string();
  const json::value* max = in.if_contains("max_tokens");
  if (max == nullptr) return invalid("max_tokens: Field required");
  if (!(max->is_int64() && max->get_int64() >= 1) && !max->is_uint64())
    return invalid("max_tokens: must be an integer of at least 1");
  const json::value* messages = in.if_contains("messages");
  if (messages == nullptr) return invalid("messages: Field required");
  if (!messages->is_array()) return invalid("messages: must be a list");

  json::object body(out.body.storage());
  body["model"] = *model;
  json::array converted(out.body.storage());
  bool extras = false;  // Anthropic-only fields kept: see keep_cache_control
  if (const json::value* system = in.if_contains("system"); system && !system->is_null()) {
    auto content = system_content(*system, extras);
    if (!content) return content.error();
    converted.push_back(json::object{{"role", "system"}, {"content", std::move(*content)}});
  }
  for (const auto& m : messages->get_array()) {
    if (!m.is_object()) return invalid("messages: each message must be an object");
    if (auto r = convert_message(m.get_object(), converted, extras); !r) return r.error();
  }
  body["messages"] = std::move(converted);
  body["max_tokens"] = *max;
  bool parallel_off = false;
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "messages" || key == "max_tokens" || key == "system") continue;
    if (key == "stop_sequences") {
      body["stop"] = v;
    } else if (key == "stream") {
      if (!v.is_bool()) return invalid("stream: must be a boolean");
      out.stream = v.get_bool();
      body["stream"] = v;
    } else if (key == "tools") {
      auto tools = convert_tools(v, extras);
      if (!tools) return tools.error();
      body["tools"] = std::move(*tools);
    } else if (key == "tool_choice") {
      const json::object* c = v.if_object();
      const json::value* type = c ? c->if_contains("type") : nullptr;
      if (type == nullptr) return invalid("tool_choice: needs a type");
      if (*type == "auto") {
        body["tool_choice"] = "auto";
      } else if (*type == "any") {
        body["tool_choice"] = "required";
      } else if (*type == "none") {
        body["tool_choice"] = "none";
      } else if (*type == "tool" && c->contains("name")) {
        body["tool_choice"] = {{"type", "function"}, {"function", {{"name", c->at("name")}}}};
      } else {
        return invalid("tool_choice: type must be auto, any, tool (with name) or none");
      }
      if (const auto* d = c->if_contains("disable_parallel_tool_use"); d && d->is_bool())
        parallel_off = d->get_bool();
    } else if (key == "metadata") {
      if (const auto* o = v.if_object(); o && o->contains("user_id"))
        body["user"] = o->at("user_id");
    } else if (key == "service_tier") {
      body[key] = v;
      extras = extras || v == "standard_only";  // OpenAI has no such tier (anthropic_fields.hpp)
    } else if (key == "container" || key == "mcp_servers") {
      // Anthropic features no other provider has: kept for the anthropic provider only.
      body[key] = v;
      extras = true;
    } else {
      body[key] = v;  // temperature, top_p, top_k, thinking, …
      // Anthropic's thinking switch: other providers get it as a reasoning effort, or not at
      // all (providers/anthropic_fields.hpp).
      if (key == "thinking") extras = true;
    }
  }
  if (parallel_off && body.contains("tools")) body["parallel_tool_calls"] = false;
  out.body = std::move(body);
  out.anthropic_fields = extras;
  return {};
}

Result<std::uint64_t> estimate_input_tokens(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = util::parse_json(text, ec);
  if (ec || !parsed.is_object()) return invalid("The request body must be a JSON object.");
  const json::object& in = parsed.get_object();
  if (!in.contains("model") || !in.at("model").is_string()) return invalid("model: Field required");
  if (!in.contains("messages") || !in.at("messages").is_array())
    return invalid("messages: Field required");
  std::uint64_t chars = 0, messages = 0;
  // Every string in system, messages and tools counts, keys of tool schemas included.
  auto walk = [&](const json::value& v, auto& self) -> void {
    if (v.is_string()) {
      chars += v.get_string().size();
    } else if (v.is_array()) {
      for (const auto& x : v.get_array()) self(x, self);
    } else if (v.is_object()) {
      for (const auto& kv : v.get_object()) {
        if (kv.key() == "data" || kv.key() == "type") continue;  // image bytes are not text
        chars += kv.key().size();
        self(kv.value(), self);
      }
    }
  };
  for (const char* key : {"system", "messages", "tools"}) {
    if (const auto* v = in.if_contains(key)) walk(*v, walk);
  }
  messages = in.at("messages").get_array().size();
  return (chars + 3) / 4 + 3 * messages + 3;
}

}  // namespace sluice::api::anthropic
