// OpenAI chat/completions/embeddings request → Gemini generateContent / batchEmbedContents.
#include <boost/json.hpp>
#include <map>

#include "providers/common/support.hpp"
#include "providers/gemini/translate.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {

Error invalid(std::string message, std::string param = {}) {
  return Error::invalid(std::move(message), std::move(param));
}

Result<json::object> image_part(const json::object& part) {
  const json::value* url = common::image_url_of(part);
  if (url == nullptr) return invalid("image_url.url must be a string.", "messages");
  auto data = common::parse_data_url(url->get_string());
  if (!data) {
    return invalid(
        "The gemini provider takes images as base64 data URLs (data:image/png;base64,…).",
        "messages");
  }
  return json::object{{"inlineData", {{"mimeType", data->media_type}, {"data", data->data}}}};
}

Result<json::array> parts_of(const json::value* content, bool images) {
  json::array parts;
  if (content == nullptr || content->is_null()) return parts;
  if (content->is_string()) {
    if (!content->get_string().empty()) parts.push_back(json::object{{"text", *content}});
    return parts;
  }
  if (!content->is_array())
    return invalid("Message content must be a string or an array.", "messages");
  for (const auto& p : content->get_array()) {
    const json::object* part = p.if_object();
    const json::value* type = part ? part->if_contains("type") : nullptr;
    if (type == nullptr) return invalid("Each content part needs a type.", "messages");
    if (*type == "text" && part->contains("text") && part->at("text").is_string()) {
      parts.push_back(json::object{{"text", part->at("text")}});
    } else if (*type == "image_url" && images) {
      auto img = image_part(*part);
      if (!img) return img.error();
      parts.push_back(std::move(*img));
    } else if (*type == "refusal") {
      continue;
    } else {
      return invalid("Content parts of type " + json::serialize(*type) +
                         " are not supported by the gemini provider here.",
                     "messages");
    }
  }
  return parts;
}

void append_turn(json::array& contents, std::string_view role, json::array parts) {
  if (parts.empty()) return;
  if (!contents.empty() && contents.back().at("role").get_string() == role) {
    auto& existing = contents.back().get_object()["parts"].get_array();
    for (auto& p : parts) existing.push_back(std::move(p));
    return;
  }
  contents.push_back(json::object{{"role", role}, {"parts", std::move(parts)}});
}

Result<void> translate_messages(const json::value* given, json::object& out) {
  if (given == nullptr || !given->is_array())
    return invalid("'messages' must be an array.", "messages");
  std::string system;
  json::array contents;
  std::map<std::string, std::string, std::less<>> tool_names;  // tool_call id → function name
  for (const auto& m : given->get_array()) {
    const json::object* msg = m.if_object();
    const json::value* role = msg ? msg->if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string())
      return invalid("Each message needs a role.", "messages");
    const std::string_view r = role->get_string();
    const json::value* content = msg->if_contains("content");
    if (r == "system" || r == "developer") {
      auto parts = parts_of(content, false);
      if (!parts) return parts.error();
      for (const auto& p : *parts) {
        if (!system.empty()) system += '\n';
        system += p.at("text").get_string();
      }
    } else if (r == "user") {
      auto parts = parts_of(content, true);
      if (!parts) return parts.error();
      append_turn(contents, "user", std::move(*parts));
    } else if (r == "assistant") {
      auto parts = parts_of(content, false);
      if (!parts) return parts.error();
      if (const auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
          const json::object* call = c.if_object();
          const json::value* fn = call ? call->if_contains("function") : nullptr;
          const json::object* f = fn ? fn->if_object() : nullptr;
          if (f == nullptr || !f->contains("name") || !f->at("name").is_string())
            return invalid("Each tool call needs a function name.", "messages");
          json::value args = json::object{};
          if (const auto* a = f->if_contains("arguments");
              a && a->is_string() && !a->get_string().empty()) {
            boost::system::error_code ec;
            args = util::parse_json(a->get_string(), ec);
            if (ec || !args.is_object())
              return invalid("Tool call arguments must be a JSON object.", "messages");
          }
          json::object part{{"functionCall", {{"name", f->at("name")}, {"args", std::move(args)}}}};
          if (const auto* id = call->if_contains("id"); id && id->is_string()) {
            const std::string_view given = id->get_string();
            tool_names[std::string(given)] = f->at("name").get_string();
            // The thought signature Gemini gave with this call (translate.hpp), back on its part.
            if (auto mark = given.find(kThoughtSignatureMark); mark != std::string_view::npos)
              part["thoughtSignature"] = given.substr(mark + kThoughtSignatureMark.size());
          }
          parts->push_back(std::move(part));
        }
      }
      append_turn(contents, "model", std::move(*parts));
    } else if (r == "tool") {
      const json::value* id = msg->if_contains("tool_call_id");
      auto name = id && id->is_string() ? tool_names.find(id->get_string()) : tool_names.end();
      if (name == tool_names.end())
        return invalid("A tool message must answer a tool call made earlier in the conversation.",
                       "messages");
      auto parts = parts_of(content, false);
      if (!parts) return parts.error();
      std::string text;
      for (const auto& p : *parts) text += p.at("text").get_string();
      // A JSON object answer is given as it is; anything else as {"content": text}.
      boost::system::error_code ec;
      json::value response = json::parse(text, ec);
      if (ec || !response.is_object()) response = json::object{{"content", text}};
      append_turn(
          contents, "user",
          json::array{json::object{
              {"functionResponse", {{"name", name->second}, {"response", std::move(response)}}}}});
    } else {
      return invalid(
          "Messages with role '" + std::string(r) + "' are not supported by the gemini provider.",
          "messages");
    }
  }
  out["contents"] = std::move(contents);
  if (!system.empty())
    out["systemInstruction"] = json::object{{"parts", json::array{json::object{{"text", system}}}}};
  return {};
}

// OpenAI's reasoning_effort as a Gemini thinking budget in tokens (docs/providers.md has the
// table; the same steps as Anthropic's): 0 turns thinking off where the model allows it; -1 for
// an effort that is none of these. Gemini 3 takes a budget too (in place of thinkingLevel).
std::int64_t thinking_budget(std::string_view effort) {
  if (effort == "none") return 0;
  if (effort == "minimal") return 128;
  if (effort == "low") return 1024;
  if (effort == "medium") return 2048;
  if (effort == "high") return 4096;
  if (effort == "xhigh") return 8192;
  return -1;
}

}  // namespace

Result<GeminiRequest> to_generate_request(const model::Request& request, bool reject_unsupported) {
  GeminiRequest result;
  json::object& out = result.body;
  const json::object& in = request.body;
  if (request.operation == model::Operation::kChat) {
    if (auto r = translate_messages(in.if_contains("messages"), out); !r) return r.error();
  } else {
    const json::value* prompt = in.if_contains("prompt");
    if (prompt != nullptr && prompt->is_array() && prompt->get_array().size() == 1)
      prompt = &prompt->get_array()[0];
    if (prompt == nullptr || !prompt->is_string())
      return invalid("The gemini provider takes one prompt string.", "prompt");
    out["contents"] = json::array{
        json::object{{"role", "user"}, {"parts", json::array{json::object{{"text", *prompt}}}}}};
  }
  json::object config;
  common::Unsupported unsupported("gemini", reject_unsupported, result.dropped);
  std::optional<json::object> tool_config;
  std::optional<json::object> thinking;  // from reasoning_effort
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "messages" || key == "prompt" || key == "stream" ||
        key == "stream_options") {
      continue;
    }
    if (v.is_null()) continue;
    if (key == "temperature") {
      config["temperature"] = v;
    } else if (key == "top_p") {
      config["topP"] = v;
    } else if (key == "top_k") {
      config["topK"] = v;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      config["maxOutputTokens"] = v;
    } else if (key == "stop") {
      config["stopSequences"] = v.is_string() ? json::value(json::array{v}) : v;
    } else if (key == "seed") {
      config["seed"] = v;
    } else if (key == "presence_penalty") {
      config["presencePenalty"] = v;
    } else if (key == "frequency_penalty") {
      config["frequencyPenalty"] = v;
    } else if (key == "response_format") {
      const json::object* f = v.if_object();
      const json::value* type = f ? f->if_contains("type") : nullptr;
      if (type != nullptr && *type == "json_object") {
        config["responseMimeType"] = "application/json";
      } else if (type != nullptr && *type == "json_schema") {
        const json::value* schema = f->contains("json_schema") && f->at("json_schema").is_object()
                                        ? f->at("json_schema").get_object().if_contains("schema")
                                        : nullptr;
        if (schema == nullptr)
          return invalid("response_format.json_schema.schema is required.", "response_format");
        config["responseMimeType"] = "application/json";
        config["responseJsonSchema"] = *schema;
      } else if (type == nullptr || *type != "text") {
        return invalid("response_format.type must be text, json_object or json_schema.",
                       "response_format");
      }
    } else if (key == "tools") {
      if (!v.is_array()) return invalid("'tools' must be an array.", "tools");
      json::array declarations;
      for (const auto& t : v.get_array()) {
        const json::object* tool = t.if_object();
        const json::value* fn = tool ? tool->if_contains("function") : nullptr;
        if (fn == nullptr || !fn->is_object() || !fn->get_object().contains("name"))
          return invalid("The gemini provider takes tools of type 'function' with a name.",
                         "tools");
        const json::object& f = fn->get_object();
        json::object d{{"name", f.at("name")}};
        if (const auto* desc = f.if_contains("description")) d["description"] = *desc;
        if (const auto* params = f.if_contains("parameters")) d["parametersJsonSchema"] = *params;
        declarations.push_back(std::move(d));
      }
      out["tools"] = json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
    } else if (key == "tool_choice") {
      json::object fc;
      if (v == "auto") {
        fc["mode"] = "AUTO";
      } else if (v == "none") {
        fc["mode"] = "NONE";
      } else if (v == "required") {
        fc["mode"] = "ANY";
      } else if (const json::object* o = v.if_object();
                 o && o->contains("function") && o->at("function").is_object() &&
                 o->at("function").get_object().contains("name")) {
        fc["mode"] = "ANY";
        fc["allowedFunctionNames"] = json::array{o->at("function").get_object().at("name")};
      } else {
        return invalid(
            "tool_choice must be auto, none, required or {type: function, function: {name}}.",
            "tool_choice");
      }
      tool_config = json::object{{"functionCallingConfig", std::move(fc)}};
    } else if (key == "n") {
      if (!(v.is_number() && v.to_number<double>() == 1)) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "logprobs" || key == "echo") {
      if (v.is_bool() ? v.get_bool() : true) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "top_logprobs" || key == "logit_bias" || key == "suffix" || key == "audio" ||
               key == "modalities" || key == "prediction" || key == "web_search_options" ||
               key == "functions" || key == "function_call" || key == "best_of") {
      if (auto e = unsupported.semantic(key)) return *e;
    } else if (key == "reasoning_effort") {
      if (!v.is_string() || thinking_budget(v.get_string()) < 0) {
        return invalid(
            "reasoning_effort must be none, minimal, low, medium, high or xhigh for gemini models.",
            "reasoning_effort");
      }
      thinking = json::object{{"thinkingBudget", thinking_budget(v.get_string())},
                              {"includeThoughts", v.get_string() != "none"}};
    } else if (key == "user" || key == "service_tier" || key == "store" || key == "metadata" ||
               key == "parallel_tool_calls") {
      unsupported.cosmetic(key);
    } else if (key == "safety_settings" || key == "safetySettings") {
      out["safetySettings"] = v;
    } else if (key == "generation_config" || key == "generationConfig") {
      if (v.is_object()) {
        for (const auto& g : v.get_object()) config[g.key()] = g.value();
      }
    } else {
      out[key] = v;  // Gemini-native fields (cachedContent, labels, …): Gemini judges them
    }
  }
  if (tool_config) out["toolConfig"] = std::move(*tool_config);
  // The client's own generationConfig.thinkingConfig wins over reasoning_effort.
  if (thinking && !config.contains("thinkingConfig"))
    config["thinkingConfig"] = std::move(*thinking);
  if (!config.empty()) out["generationConfig"] = std::move(config);
  return result;
}

Result<json::object> to_embed_request(const model::Request& request, std::string_view model) {
  const json::value* input = request.body.if_contains("input");
  json::array texts;
  if (input != nullptr && input->is_string()) {
    texts.push_back(*input);
  } else if (input != nullptr && input->is_array()) {
    for (const auto& t : input->get_array()) {
      if (!t.is_string())
        return invalid("The gemini provider embeds strings, not token arrays.", "input");
      texts.push_back(t);
    }
  } else {
    return invalid("'input' must be a string or an array of strings.", "input");
  }
  std::string name = "models/";
  name += model;
  json::array requests;
  const json::value* dims = request.body.if_contains("dimensions");
  for (auto& t : texts) {
    json::object r{{"model", name},
                   {"content", {{"parts", json::array{json::object{{"text", t}}}}}}};
    if (dims != nullptr && !dims->is_null()) r["outputDimensionality"] = *dims;
    requests.push_back(std::move(r));
  }
  return json::object{{"requests", std::move(requests)}};
}

}  // namespace sluice::providers::gemini
