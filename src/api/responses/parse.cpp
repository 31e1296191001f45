// Responses API request → internal (OpenAI chat) request.
// Fields and item types as https://platform.openai.com/docs/api-reference/responses/create
// defines them; what has no chat counterpart is a 400 naming it, never a silent drop.
#include "api/openai/parse.hpp"

#include <boost/json.hpp>
#include <optional>

#include "api/responses/responses_api.hpp"
#include "providers/anthropic_fields.hpp"
#include "util/base64.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"

namespace sluice::api::responses {
namespace json = boost::json;

namespace {

constexpr std::string_view kSealPrefix = "sluice.thinking.v1.";

using openai::invalid_type;
Error missing(const std::string& param) { return openai::missing_parameter(param); }

Error unsupported(const std::string& param, std::string message) {
  Error e = Error::invalid(std::move(message), param);
  e.error_code = "unsupported_parameter";
  return e;
}

// Reasoning read from `reasoning` items, waiting for the assistant turn it belongs to.
struct PendingReasoning {
  std::string text;
  json::array thinking_blocks;
  bool any = false;
};

// The conversation built so far, in chat messages.
struct Conversation {
  json::array messages;
  PendingReasoning reasoning;
  // Whether the last message is an assistant turn items may still add to (a function_call after
  // the assistant's message is the same turn).
  bool assistant_open = false;
};

json::object& open_assistant(Conversation& c) {
  if (!c.assistant_open) {
    c.messages.push_back(json::object{{"role", "assistant"}, {"content", nullptr}});
    c.assistant_open = true;
  }
  json::object& m = c.messages.back().get_object();
  if (c.reasoning.any) {
    // Added to what the turn has (reasoning, call, reasoning, call is one turn).
    json::value& text = m["reasoning_content"];
    text = (text.is_string() ? std::string(text.get_string()) : std::string()) + c.reasoning.text;
    if (!c.reasoning.thinking_blocks.empty()) {
      json::value& blocks = m["thinking_blocks"];
      if (!blocks.is_array()) blocks = json::array{};
      for (auto& b : c.reasoning.thinking_blocks) blocks.get_array().push_back(std::move(b));
    }
    c.reasoning = {};
  }
  return m;
}

// input_text / input_image / input_file parts of a user, system or developer message, or of a
// function_call_output → chat content parts.
Result<json::array> input_parts(const json::array& parts, const std::string& param) {
  json::array out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string p = param + "[" + std::to_string(i) + "]";
    const json::object* part = parts[i].if_object();
    const json::value* type = part ? part->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) return missing(p + ".type");
    const std::string_view t = type->get_string();
    if (t == "input_text" || t == "output_text") {
      const json::value* text = part->if_contains("text");
      if (text == nullptr || !text->is_string()) return invalid_type(p + ".text", "a string");
      out.push_back(json::object{{"type", "text"}, {"text", *text}});
    } else if (t == "input_image") {
      const json::value* url = part->if_contains("image_url");
      if (url == nullptr || !url->is_string()) {
        return unsupported(p,
                           "An input_image needs an image_url (a URL or a data URL); images "
                           "by file_id need the Files API, which this gateway does not serve.");
      }
      json::object image{{"url", *url}};
      if (const json::value* d = part->if_contains("detail"); d && d->is_string())
        image["detail"] = *d;
      out.push_back(json::object{{"type", "image_url"}, {"image_url", std::move(image)}});
    } else if (t == "input_file") {
      // Chat's `file` part: the providers that take files read it, the others refuse it by name.
      json::object file;
      for (const char* key : {"file_data", "file_id", "file_url", "filename"}) {
        if (const json::value* v = part->if_contains(key); v && v->is_string()) file[key] = *v;
      }
      if (file.empty()) return missing(p + ".file_data");
      out.push_back(json::object{{"type", "file"}, {"file", std::move(file)}});
    } else {
      return unsupported(p + ".type", "Content parts of type '" + std::string(t) +
                                          "' are not supported by this gateway here.");
    }
  }
  return out;
}

// The text of an assistant message's output_text parts (refusals carry no text to send back).
Result<std::string> assistant_text(const json::value& content, const std::string& param) {
  if (content.is_string()) return std::string(content.get_string());
  if (!content.is_array()) return invalid_type(param, "a string or an array of content parts");
  std::string text;
  const json::array& parts = content.get_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const json::object* part = parts[i].if_object();
    const json::value* type = part ? part->if_contains("type") : nullptr;
    const json::value* t = part ? part->if_contains("text") : nullptr;
    const json::value* refusal = part ? part->if_contains("refusal") : nullptr;
    if (type != nullptr && (*type == "output_text" || *type == "input_text") && t != nullptr &&
        t->is_string()) {
      text += t->get_string();
    } else if (type != nullptr && *type == "refusal" && refusal != nullptr &&
               refusal->is_string()) {
      text += refusal->get_string();  // what the model said, as every provider can take it
    } else {
      return invalid_type(param + "[" + std::to_string(i) + "]", "an output_text or refusal part");
    }
  }
  return text;
}

Result<void> message_item(const json::object& item, const std::string& p, Conversation& c) {
  const json::value* role = item.if_contains("role");
  const json::value* content = item.if_contains("content");
  if (role == nullptr) return missing(p + ".role");
  if (content == nullptr) return missing(p + ".content");
  std::string_view r;
  if (role->is_string()) r = role->get_string();
  if (r == "assistant") {
    auto text = assistant_text(*content, p + ".content");
    if (!text) return text.error();
    json::object& m = open_assistant(c);
    if (!text->empty()) {
      std::string joined =
          m.at("content").is_string() ? std::string(m.at("content").get_string()) : std::string();
      m["content"] = joined + *text;
    }
    return {};
  }
  if (r != "user" && r != "system" && r != "developer") {
    Error e = Error::invalid("Invalid value for '" + p +
                                 ".role': must be one of 'user', 'assistant', 'system', "
                                 "'developer'.",
                             p + ".role");
    e.error_code = "invalid_value";
    return e;
  }
  c.assistant_open = false;
  c.reasoning = {};  // reasoning belongs to the assistant output right after it, not a later one
  if (content->is_string()) {
    c.messages.push_back(json::object{{"role", r}, {"content", *content}});
    return {};
  }
  if (!content->is_array()) return invalid_type(p + ".content", "a string or an array");
  auto parts = input_parts(content->get_array(), p + ".content");
  if (!parts) return parts.error();
  c.messages.push_back(json::object{{"role", r}, {"content", std::move(*parts)}});
  return {};
}

Result<void> function_call_item(const json::object& item, const std::string& p, Conversation& c) {
  const json::value* call_id = item.if_contains("call_id");
  const json::value* name = item.if_contains("name");
  const json::value* arguments = item.if_contains("arguments");
  if (call_id == nullptr || !call_id->is_string()) return missing(p + ".call_id");
  if (name == nullptr || !name->is_string()) return missing(p + ".name");
  if (arguments == nullptr || !arguments->is_string()) return missing(p + ".arguments");
  json::object& m = open_assistant(c);
  json::value& calls = m["tool_calls"];
  if (!calls.is_array()) calls = json::array{};
  calls.get_array().push_back(
      json::object{{"id", *call_id},
                   {"type", "function"},
                   {"function", {{"name", *name}, {"arguments", *arguments}}}});
  return {};
}

Result<void> function_call_output_item(const json::object& item, const std::string& p,
                                       Conversation& c) {
  const json::value* call_id = item.if_contains("call_id");
  const json::value* output = item.if_contains("output");
  if (call_id == nullptr || !call_id->is_string()) return missing(p + ".call_id");
  if (output == nullptr) return missing(p + ".output");
  json::value content;
  if (output->is_string()) {
    content = *output;
  } else if (output->is_array()) {
    auto parts = input_parts(output->get_array(), p + ".output");
    if (!parts) return parts.error();
    // Text only: one string, as every provider takes; with images, parts (Anthropic's only).
    bool text_only = true;
    std::string text;
    for (const auto& part : *parts) {
      if (part.at("type") != "text") text_only = false;
      if (text_only) text += part.at("text").get_string();
    }
    content = text_only ? json::value(std::move(text)) : json::value(std::move(*parts));
  } else {
    return invalid_type(p + ".output", "a string or an array of content parts");
  }
  c.assistant_open = false;
  c.reasoning = {};
  c.messages.push_back(
      json::object{{"role", "tool"}, {"tool_call_id", *call_id}, {"content", std::move(content)}});
  return {};
}

Result<void> reasoning_item(const json::object& item, const std::string& p, Conversation& c) {
  for (const char* key : {"summary", "content"}) {
    const json::value* parts = item.if_contains(key);
    if (parts == nullptr || parts->is_null()) continue;
    if (!parts->is_array()) return invalid_type(p + "." + key, "an array");
    for (const auto& part : parts->get_array()) {
      const json::value* text = part.is_object() ? part.get_object().if_contains("text") : nullptr;
      if (text == nullptr || !text->is_string())
        return invalid_type(p + "." + key, "an array of text parts");
      c.reasoning.text += text->get_string();
    }
  }
  if (const json::value* sealed = item.if_contains("encrypted_content");
      sealed && sealed->is_string()) {
    // Another provider's encrypted reasoning (OpenAI's own) means nothing to any other: left out.
    // One sealed by sluice that does not open was changed on the way: said, not dropped.
    if (auto blocks = open_thinking_blocks(sealed->get_string())) {
      for (auto& b : *blocks) c.reasoning.thinking_blocks.push_back(std::move(b));
    } else if (sealed->get_string().starts_with(kSealPrefix)) {
      Error e = Error::invalid("Invalid '" + p +
                                   ".encrypted_content': it is not the reasoning this gateway "
                                   "gave; send the item back unchanged.",
                               p + ".encrypted_content");
      e.error_code = "invalid_encrypted_content";
      return e;
    }
  }
  c.reasoning.any = true;
  return {};
}

Result<void> input_items(const json::array& items, Conversation& c) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string p = "input[" + std::to_string(i) + "]";
    const json::object* item = items[i].if_object();
    if (item == nullptr) return invalid_type(p, "an object");
    const json::value* type = item->if_contains("type");
    if (type != nullptr && !type->is_string()) return invalid_type(p + ".type", "a string");
    std::string_view t = "message";  // an item without a type is a message
    if (type != nullptr) t = type->get_string();
    Result<void> r;
    if (t == "message") {
      r = message_item(*item, p, c);
    } else if (t == "function_call") {
      r = function_call_item(*item, p, c);
    } else if (t == "function_call_output") {
      r = function_call_output_item(*item, p, c);
    } else if (t == "reasoning") {
      r = reasoning_item(*item, p, c);
    } else if (t == "item_reference") {
      r = unsupported(p + ".type",
                      "Item references are not served by this gateway: send the items "
                      "themselves, or continue a kept response with previous_response_id.");
    } else {
      r = unsupported(p + ".type", "Input items of type '" + std::string(t) +
                                       "' are not supported by this gateway (it serves messages, "
                                       "function calls and their outputs, and reasoning).");
    }
    if (!r) return r;
  }
  return {};
}

Result<json::array> function_tools(const json::value& tools) {
  if (!tools.is_array()) return invalid_type("tools", "an array");
  json::array out;
  const json::array& given = tools.get_array();
  for (std::size_t i = 0; i < given.size(); ++i) {
    const std::string p = "tools[" + std::to_string(i) + "]";
    const json::object* tool = given[i].if_object();
    const json::value* type = tool ? tool->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) return missing(p + ".type");
    if (*type != "function") {
      return unsupported(p + ".type", "Tools of type '" + std::string(type->get_string()) +
                                          "' are not supported by this gateway on /v1/responses: "
                                          "hosted tools run only at OpenAI (use /gateway/openai/"
                                          "v1/responses for them).");
    }
    const json::value* name = tool->if_contains("name");
    if (name == nullptr || !name->is_string()) return missing(p + ".name");
    json::object fn{{"name", *name}};
    for (const char* key : {"description", "parameters", "strict"}) {
      if (const json::value* v = tool->if_contains(key); v && !v->is_null()) fn[key] = *v;
    }
    out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

Result<json::value> tool_choice(const json::value& choice) {
  if (choice.is_string() && (choice == "auto" || choice == "none" || choice == "required"))
    return choice;
  if (const json::object* o = choice.if_object()) {
    const json::value* type = o->if_contains("type");
    const json::value* name = o->if_contains("name");
    if (type != nullptr && *type == "function" && name != nullptr && name->is_string())
      return json::value(json::object{{"type", "function"}, {"function", {{"name", *name}}}});
  }
  return unsupported("tool_choice",
                     "tool_choice must be 'auto', 'none', 'required' or {type: 'function', name}.");
}

// text.format → chat's response_format.
Result<std::optional<json::value>> response_format(const json::value& text) {
  if (text.is_null()) return std::optional<json::value>();
  if (!text.is_object()) return invalid_type("text", "an object");
  const json::value* format = text.get_object().if_contains("format");
  if (format == nullptr || format->is_null()) return std::optional<json::value>();
  const json::object* f = format->if_object();
  const json::value* type = f ? f->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string()) return missing("text.format.type");
  if (*type == "text") return std::optional<json::value>();
  if (*type == "json_object")
    return std::optional<json::value>(json::object{{"type", "json_object"}});
  if (*type == "json_schema") {
    json::object schema;
    for (const char* key : {"name", "schema", "strict", "description"}) {
      if (const json::value* v = f->if_contains(key); v && !v->is_null()) schema[key] = *v;
    }
    if (!schema.contains("name")) return missing("text.format.name");
    if (!schema.contains("schema")) return missing("text.format.schema");
    return std::optional<json::value>(
        json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}});
  }
  return unsupported("text.format.type",
                     "text.format.type must be 'text', 'json_object' or "
                     "'json_schema'.");
}

bool set(const json::value& v) { return !v.is_null() && !(v.is_bool() && !v.get_bool()); }

}  // namespace

std::string seal_thinking_blocks(const json::array& blocks) {
  std::string out(kSealPrefix);
  out += util::base64_encode(json::serialize(blocks));
  return out;
}

std::optional<json::array> open_thinking_blocks(std::string_view encrypted_content) {
  if (!encrypted_content.starts_with(kSealPrefix)) return std::nullopt;
  auto text = util::base64_decode(encrypted_content.substr(kSealPrefix.size()));
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  json::value blocks = util::parse_json(*text, ec);
  if (ec || !blocks.is_array()) return std::nullopt;
  // Only what Anthropic's thinking blocks hold: a forged one cannot carry other fields through.
  for (const auto& b : blocks.get_array()) {
    const json::object* o = b.if_object();
    const json::value* type = o != nullptr ? o->if_contains("type") : nullptr;
    auto string_at = [&](const char* key) {
      const json::value* v = o->if_contains(key);
      return v != nullptr && v->is_string();
    };
    const bool thinking = type != nullptr && *type == "thinking" && o->size() == 3 &&
                          string_at("thinking") && string_at("signature");
    const bool redacted =
        type != nullptr && *type == "redacted_thinking" && o->size() == 2 && string_at("data");
    if (!thinking && !redacted) return std::nullopt;
  }
  return std::move(blocks.get_array());
}

Result<void> ResponsesApi::parse(model::Operation, std::string_view text,
                                 model::Request& out) const {
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(text, ec, out.body.storage());
  if (util::too_deep(ec)) return Error::invalid(std::string(util::kTooDeepMessage));
  if (ec) {
    return Error::invalid(
        "We could not parse the JSON body of your request. The Responses API expects a JSON "
        "payload.");
  }
  if (!parsed.is_object()) return Error::invalid("The request body must be a JSON object.");
  const json::object& in = parsed.get_object();
  out.operation = model::Operation::kChat;
  const json::value* model = in.if_contains("model");
  if (model == nullptr) return missing("model");
  if (!model->is_string() || model->get_string().empty())
    return invalid_type("model", "a non-empty string");
  out.endpoint = model->get_string();
  const json::value* input = in.if_contains("input");
  if (input == nullptr) return missing("input");

  Conversation c;
  if (const json::value* instructions = in.if_contains("instructions");
      instructions && !instructions->is_null()) {
    if (!instructions->is_string()) return invalid_type("instructions", "a string");
    c.messages.push_back(json::object{{"role", "system"}, {"content", *instructions}});
    out.responses.instructions = true;
  }
  if (input->is_string()) {
    c.messages.push_back(json::object{{"role", "user"}, {"content", *input}});
  } else if (input->is_array()) {
    if (auto r = input_items(input->get_array(), c); !r) return r.error();
  } else {
    return invalid_type("input", "a string or an array of input items");
  }
  if (c.messages.empty()) {
    return Error::invalid("Invalid 'input': empty array. Expected at least one input item.",
                          "input");
  }

  json::object body(out.body.storage());
  body["model"] = *model;
  body["messages"] = std::move(c.messages);
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "input" || key == "instructions") continue;
    if (key == "stream") {
      if (v.is_null()) continue;
      if (!v.is_bool()) return invalid_type("stream", "a boolean");
      out.stream = v.get_bool();
      if (out.stream) body["stream"] = true;
    } else if (key == "max_output_tokens") {
      if (v.is_null()) continue;
      if (!(v.is_int64() && v.get_int64() >= 1) && !v.is_uint64())
        return invalid_type("max_output_tokens", "an integer of at least 1");
      body["max_completion_tokens"] = v;  // OpenAI's reasoning models refuse max_tokens
    } else if (key == "temperature" || key == "top_p") {
      if (v.is_null()) continue;
      if (!v.is_number()) return invalid_type(std::string(key), "a number");
      body[key] = v;
    } else if (key == "parallel_tool_calls") {
      if (v.is_null()) continue;
      if (!v.is_bool()) return invalid_type("parallel_tool_calls", "a boolean");
      body[key] = v;
    } else if (key == "tools") {
      if (v.is_null()) continue;
      auto tools = function_tools(v);
      if (!tools) return tools.error();
      if (!tools->empty()) body["tools"] = std::move(*tools);
    } else if (key == "tool_choice") {
      if (v.is_null()) continue;
      auto choice = tool_choice(v);
      if (!choice) return choice.error();
      body["tool_choice"] = std::move(*choice);
    } else if (key == "text") {
      auto format = response_format(v);
      if (!format) return format.error();
      if (*format) body["response_format"] = std::move(**format);
    } else if (key == "reasoning") {
      if (v.is_null()) continue;
      if (!v.is_object()) return invalid_type("reasoning", "an object");
      if (const json::value* effort = v.get_object().if_contains("effort");
          effort && !effort->is_null()) {
        if (!effort->is_string()) return invalid_type("reasoning.effort", "a string");
        body["reasoning_effort"] = *effort;
      }
    } else if (key == "user" || key == "safety_identifier") {
      if (v.is_null()) continue;
      if (!v.is_string()) return invalid_type(std::string(key), "a string");
      body["user"] = v;
    } else if (key == "store") {
      // Acted on by the handler: kept when the gateway keeps responses, else a 400 there.
      if (!v.is_null() && !v.is_bool()) return invalid_type("store", "a boolean");
      if (v.is_bool()) out.responses.store = v.get_bool();
    } else if (key == "previous_response_id") {
      if (v.is_null()) continue;
      if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 256)
        return invalid_type("previous_response_id", "a response id (a string of 1 to 256 bytes)");
      out.responses.previous_id = v.get_string();
    } else if (key == "background") {
      if (!v.is_null() && !v.is_bool()) return invalid_type("background", "a boolean");
      if (set(v)) {
        return unsupported("background",
                           "'background: true' (responses polled later) is not served by this "
                           "gateway; send the request without it and read the answer or stream.");
      }
    } else if (key == "conversation" || key == "prompt") {
      if (!v.is_null()) {
        return unsupported(std::string(key),
                           "'" + std::string(key) +
                               "' needs OpenAI's stored conversations and prompts, which this "
                               "gateway does not keep; send the conversation as input, or chain "
                               "turns with previous_response_id.");
      }
    } else if (key == "include" || key == "metadata" || key == "truncation" ||
               key == "service_tier" || key == "prompt_cache_key" || key == "stream_options" ||
               key == "top_logprobs" || key == "max_tool_calls" ||
               key == "prompt_cache_retention") {
      continue;  // no effect on what a translated answer holds (reasoning is always included)
    } else {
      Error e = Error::invalid("Unknown parameter: '" + std::string(key) + "'.", std::string(key));
      e.error_code = "unknown_parameter";
      return e;
    }
  }
  if (!body.contains("tools")) {
    // Without tools there is nothing to choose from (OpenAI's chat refuses the pair).
    body.erase("tool_choice");
    body.erase("parallel_tool_calls");
  }
  out.body = std::move(body);
  out.anthropic_fields = providers::carries_anthropic_fields(out.body);
  return {};
}

}  // namespace sluice::api::responses
