#include "providers/bedrock/translate.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "providers/common/support.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::bedrock {
namespace json = boost::json;

namespace {

Error invalid(std::string message, std::string param = {}) {
  return Error::invalid(std::move(message), std::move(param));
}

std::optional<std::uint64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_uint64()) return v->get_uint64();
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0)
    return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

Result<json::object> image_block(const json::object& part) {
  const json::value* url = common::image_url_of(part);
  if (url == nullptr) return invalid("image_url.url must be a string.", "messages");
  auto data = common::parse_data_url(url->get_string());
  if (!data || !data->media_type.starts_with("image/")) {
    return invalid(
        "The bedrock provider takes images as base64 data URLs (data:image/png;base64,…).",
        "messages");
  }
  std::string_view format = data->media_type.substr(6);
  if (format == "jpg") format = "jpeg";
  return json::object{{"image", {{"format", format}, {"source", {{"bytes", data->data}}}}}};
}

// Anthropic's cache_control markers as Converse cachePoint blocks, put right after the block,
// system block or tool made from the marked part (Bedrock's prompt caching: a checkpoint caches
// everything before it). Only the models Bedrock caches for take them (Claude and Nova); for the
// others the markers are left out and named.
struct CachePoints {
  bool supported = false;        // system and messages
  bool tools_supported = false;  // tool definitions too (Claude; Nova caches no tools)
  bool dropped = false;
  void after(const json::object& marked, json::array& to, bool tool = false) {
    const json::value* c = marked.if_contains("cache_control");
    if (c == nullptr || c->is_null()) return;
    if (tool ? tools_supported : supported) {
      to.push_back(json::object{{"cachePoint", {{"type", "default"}}}});
    } else {
      dropped = true;
    }
  }
};

Result<json::array> blocks_of(const json::value* content, bool images, CachePoints& cache) {
  json::array blocks;
  if (content == nullptr || content->is_null()) return blocks;
  if (content->is_string()) {
    if (!content->get_string().empty()) blocks.push_back(json::object{{"text", *content}});
    return blocks;
  }
  if (!content->is_array())
    return invalid("Message content must be a string or an array.", "messages");
  for (const auto& p : content->get_array()) {
    const json::object* part = p.if_object();
    const json::value* type = part ? part->if_contains("type") : nullptr;
    if (type != nullptr && *type == "text" && part->contains("text") &&
        part->at("text").is_string()) {
      blocks.push_back(json::object{{"text", part->at("text")}});
      cache.after(*part, blocks);
    } else if (type != nullptr && *type == "image_url" && images) {
      auto img = image_block(*part);
      if (!img) return img.error();
      blocks.push_back(std::move(*img));
      cache.after(*part, blocks);
    } else if (type != nullptr && *type == "refusal") {
      continue;
    } else {
      return invalid("This content part is not supported by the bedrock provider here.",
                     "messages");
    }
  }
  return blocks;
}

void append_turn(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!messages.empty() && messages.back().at("role").get_string() == role) {
    auto& content = messages.back().get_object()["content"].get_array();
    for (auto& b : blocks) content.push_back(std::move(b));
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
}

Result<void> translate_messages(const json::value* given, json::object& out, CachePoints& cache) {
  if (given == nullptr || !given->is_array())
    return invalid("'messages' must be an array.", "messages");
  json::array system;
  json::array messages;
  for (const auto& m : given->get_array()) {
    const json::object* msg = m.if_object();
    const json::value* role = msg ? msg->if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string())
      return invalid("Each message needs a role.", "messages");
    const std::string_view r = role->get_string();
    const json::value* content = msg->if_contains("content");
    if (r == "system" || r == "developer") {
      auto blocks = blocks_of(content, false, cache);
      if (!blocks) return blocks.error();
      for (auto& b : *blocks) system.push_back(std::move(b));
    } else if (r == "user") {
      auto blocks = blocks_of(content, true, cache);
      if (!blocks) return blocks.error();
      append_turn(messages, "user", std::move(*blocks));
    } else if (r == "assistant") {
      auto blocks = blocks_of(content, false, cache);
      if (!blocks) return blocks.error();
      if (const auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
          const json::object* call = c.if_object();
          const json::value* fn = call ? call->if_contains("function") : nullptr;
          const json::object* f = fn ? fn->if_object() : nullptr;
          if (f == nullptr || !f->contains("name") || !call->contains("id"))
            return invalid("Each tool call needs an id and a function name.", "messages");
          json::value input = json::object{};
          if (const auto* a = f->if_contains("arguments");
              a && a->is_string() && !a->get_string().empty()) {
            boost::system::error_code ec;
            input = util::parse_json(a->get_string(), ec);
            if (ec || !input.is_object())
              return invalid("Tool call arguments must be a JSON object.", "messages");
          }
          blocks->push_back(json::object{{"toolUse",
                                          {{"toolUseId", call->at("id")},
                                           {"name", f->at("name")},
                                           {"input", std::move(input)}}}});
          cache.after(*call, *blocks);
        }
      }
      append_turn(messages, "assistant", std::move(*blocks));
    } else if (r == "tool") {
      const json::value* id = msg->if_contains("tool_call_id");
      if (id == nullptr || !id->is_string())
        return invalid("A tool message needs tool_call_id.", "messages");
      auto blocks = blocks_of(content, false, cache);
      if (!blocks) return blocks.error();
      json::array turn{
          json::object{{"toolResult", {{"toolUseId", *id}, {"content", std::move(*blocks)}}}}};
      cache.after(*msg, turn);
      append_turn(messages, "user", std::move(turn));
    } else {
      return invalid(
          "Messages with role '" + std::string(r) + "' are not supported by the bedrock provider.",
          "messages");
    }
  }
  out["messages"] = std::move(messages);
  if (!system.empty()) out["system"] = std::move(system);
  return {};
}

// Whether Bedrock caches prompts for `model` (an id or an inference profile: "…anthropic.claude…",
// "…amazon.nova…").
bool caches(std::string_view model) {
  return model.find("anthropic.claude") != std::string_view::npos ||
         model.find("amazon.nova") != std::string_view::npos;
}

}  // namespace

Result<ConverseRequest> to_converse(const model::Request& request, bool reject_unsupported,
                                    std::string_view model) {
  ConverseRequest result;
  json::object& out = result.body;
  const json::object& in = request.body;
  CachePoints cache{caches(model), model.find("anthropic.claude") != std::string_view::npos};
  if (request.operation == model::Operation::kChat) {
    if (auto r = translate_messages(in.if_contains("messages"), out, cache); !r) return r.error();
  } else {
    const json::value* prompt = in.if_contains("prompt");
    if (prompt != nullptr && prompt->is_array() && prompt->get_array().size() == 1)
      prompt = &prompt->get_array()[0];
    if (prompt == nullptr || !prompt->is_string())
      return invalid("The bedrock provider takes one prompt string.", "prompt");
    out["messages"] = json::array{
        json::object{{"role", "user"}, {"content", json::array{json::object{{"text", *prompt}}}}}};
  }
  json::object inference, extra;
  json::object tool_config;
  common::Unsupported unsupported("bedrock", reject_unsupported, result.dropped);
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "messages" || key == "prompt" || key == "stream" ||
        key == "stream_options" || v.is_null()) {
      continue;
    }
    if (key == "max_tokens" || key == "max_completion_tokens") {
      inference["maxTokens"] = v;
    } else if (key == "temperature") {
      inference["temperature"] = v;
    } else if (key == "top_p") {
      inference["topP"] = v;
    } else if (key == "stop") {
      inference["stopSequences"] = v.is_string() ? json::value(json::array{v}) : v;
    } else if (key == "tools") {
      if (!v.is_array()) return invalid("'tools' must be an array.", "tools");
      json::array tools;
      for (const auto& t : v.get_array()) {
        const json::object* tool = t.if_object();
        const json::value* fn = tool ? tool->if_contains("function") : nullptr;
        if (fn == nullptr || !fn->is_object() || !fn->get_object().contains("name"))
          return invalid("The bedrock provider takes tools of type 'function' with a name.",
                         "tools");
        const json::object& f = fn->get_object();
        json::object spec{{"name", f.at("name")}};
        if (const auto* d = f.if_contains("description")) spec["description"] = *d;
        const json::value* params = f.if_contains("parameters");
        spec["inputSchema"] = {
            {"json", params ? *params : json::value(json::object{{"type", "object"}})}};
        tools.push_back(json::object{{"toolSpec", std::move(spec)}});
        cache.after(*tool, tools, true);
      }
      tool_config["tools"] = std::move(tools);
    } else if (key == "tool_choice") {
      if (v == "auto") {
        tool_config["toolChoice"] = {{"auto", json::object{}}};
      } else if (v == "required") {
        tool_config["toolChoice"] = {{"any", json::object{}}};
      } else if (const json::object* o = v.if_object();
                 o && o->contains("function") && o->at("function").is_object() &&
                 o->at("function").get_object().contains("name")) {
        tool_config["toolChoice"] = {
            {"tool", {{"name", o->at("function").get_object().at("name")}}}};
      } else if (auto e = unsupported.semantic(
                     key)) {  // "none": Converse cannot forbid tools it was given
        return *e;
      }
    } else if (key == "n" || key == "logprobs" || key == "top_logprobs" || key == "logit_bias" ||
               key == "response_format" || key == "presence_penalty" ||
               key == "frequency_penalty" || key == "audio" || key == "modalities" ||
               key == "prediction" || key == "web_search_options" || key == "functions" ||
               key == "function_call" || key == "echo" || key == "best_of" || key == "suffix") {
      const bool neutral =
          ((key == "n" || key == "best_of") && v.is_number() && v.to_number<double>() == 1) ||
          ((key == "logprobs" || key == "echo") && v.is_bool() && !v.get_bool()) ||
          ((key == "presence_penalty" || key == "frequency_penalty") && v.is_number() &&
           v.to_number<double>() == 0) ||
          (key == "response_format" && v.is_object() && v.get_object().contains("type") &&
           v.get_object().at("type") == "text");
      if (!neutral) {
        if (auto e = unsupported.semantic(key)) return *e;
      }
    } else if (key == "user" || key == "seed" || key == "service_tier" || key == "store" ||
               key == "metadata" || key == "parallel_tool_calls" || key == "reasoning_effort") {
      unsupported.cosmetic(key);
    } else {
      extra[key] = v;  // model-specific (top_k, thinking, …): additionalModelRequestFields
    }
  }
  if (cache.dropped) result.dropped.emplace_back("cache_control");
  if (!inference.empty()) out["inferenceConfig"] = std::move(inference);
  if (!tool_config.empty()) out["toolConfig"] = std::move(tool_config);
  if (!extra.empty()) out["additionalModelRequestFields"] = std::move(extra);
  return result;
}

std::string_view finish_reason(std::string_view r) {
  if (r == "max_tokens" || r == "model_context_window_exceeded") return "length";
  if (r == "tool_use") return "tool_calls";
  if (r == "guardrail_intervened" || r == "content_filtered") return "content_filter";
  return "stop";
}

model::Usage usage_from_converse(const json::object& u) {
  model::Usage usage;
  const auto input = count(u, "inputTokens");
  const auto read = count(u, "cacheReadInputTokens");
  const auto written = count(u, "cacheWriteInputTokens");
  if (input || read || written)
    usage.prompt_tokens = input.value_or(0) + read.value_or(0) + written.value_or(0);
  usage.completion_tokens = count(u, "outputTokens");
  if (read) usage.cached_tokens = read;
  if (written) usage.cache_write_tokens = written;
  usage.total_tokens = count(u, "totalTokens");
  if (!usage.total_tokens && (usage.prompt_tokens || usage.completion_tokens))
    usage.total_tokens = usage.prompt_tokens.value_or(0) + usage.completion_tokens.value_or(0);
  return usage;
}

Result<model::Response> from_converse(const model::Request& request, json::object body,
                                      const std::string& model) {
  std::string text;
  json::array tool_calls;
  const json::value* output = body.if_contains("output");
  const json::value* message =
      output && output->is_object() ? output->get_object().if_contains("message") : nullptr;
  const json::value* content =
      message && message->is_object() ? message->get_object().if_contains("content") : nullptr;
  if (content != nullptr && content->is_array()) {
    for (const auto& b : content->get_array()) {
      const json::object* block = b.if_object();
      if (block == nullptr) continue;
      if (const auto* t = block->if_contains("text"); t && t->is_string()) {
        text += t->get_string();
      } else if (const auto* use = block->if_contains("toolUse"); use && use->is_object()) {
        const auto& u = use->get_object();
        const json::value* input = u.if_contains("input");
        tool_calls.push_back(
            json::object{{"id", u.contains("toolUseId") ? u.at("toolUseId") : json::value("")},
                         {"type", "function"},
                         {"function",
                          {{"name", u.contains("name") ? u.at("name") : json::value("")},
                           {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
      }
    }
  }
  const json::value* stop = body.if_contains("stopReason");
  const std::string_view finish =
      finish_reason(stop && stop->is_string() ? std::string_view(stop->get_string()) : "");
  model::Response response;
  if (const auto* u = body.if_contains("usage"); u && u->is_object())
    response.usage = usage_from_converse(u->get_object());
  json::object out(request.body.storage());
  out["id"] = "bedrock";
  const bool chat = request.operation == model::Operation::kChat;
  out["object"] = chat ? "chat.completion" : "text_completion";
  out["created"] = static_cast<std::int64_t>(std::time(nullptr));
  out["model"] = model;
  if (chat) {
    json::object msg{{"role", "assistant"}};
    msg["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
    if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
    out["choices"] = json::array{
        json::object{{"index", 0}, {"message", std::move(msg)}, {"finish_reason", finish}}};
  } else {
    out["choices"] = json::array{json::object{
        {"index", 0}, {"text", text}, {"finish_reason", finish}, {"logprobs", nullptr}}};
  }
  if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
  response.body = std::move(out);
  return response;
}

Result<json::object> to_embed(const model::Request& request, const std::string& model) {
  const json::value* input = request.body.if_contains("input");
  json::array texts;
  if (input != nullptr && input->is_string()) {
    texts.push_back(*input);
  } else if (input != nullptr && input->is_array()) {
    for (const auto& t : input->get_array()) {
      if (!t.is_string())
        return invalid("The bedrock provider embeds strings, not token arrays.", "input");
      texts.push_back(t);
    }
  } else {
    return invalid("'input' must be a string or an array of strings.", "input");
  }
  const json::value* dims = request.body.if_contains("dimensions");
  if (model.starts_with("amazon.titan-embed")) {
    if (texts.size() != 1) return invalid("Amazon Titan embeds one text per request.", "input");
    json::object body{{"inputText", texts[0]}};
    if (dims != nullptr && !dims->is_null()) body["dimensions"] = *dims;
    return body;
  }
  if (model.starts_with("cohere.embed")) {
    const json::value* type = request.body.if_contains("input_type");
    return json::object{
        {"texts", std::move(texts)},
        {"input_type", type && type->is_string() ? *type : json::value("search_document")}};
  }
  return invalid(
      "Embeddings on bedrock are served for amazon.titan-embed-* and cohere.embed-* models.",
      "model");
}

Result<model::Response> from_embed(const model::Request& request, json::object body,
                                   const std::string& model) {
  json::array vectors;
  model::Response response;
  if (const auto* e = body.if_contains("embedding"); e && e->is_array()) {
    vectors.push_back(*e);  // Titan
    response.usage.prompt_tokens = count(body, "inputTextTokenCount");
    response.usage.total_tokens = response.usage.prompt_tokens;
  } else if (const auto* list = body.if_contains("embeddings"); list && list->is_array()) {
    vectors = list->get_array();  // Cohere
  } else {
    Error err = Error::make(ErrorCode::kUpstreamUnavailable, "provider returned no embeddings");
    err.provider = "bedrock";
    return err;
  }
  json::array data;
  std::int64_t i = 0;
  for (auto& v : vectors)
    data.push_back(
        json::object{{"object", "embedding"}, {"index", i++}, {"embedding", std::move(v)}});
  response.body = json::object(request.body.storage());
  response.body["object"] = "list";
  response.body["data"] = std::move(data);
  response.body["model"] = model;
  if (!response.usage.empty()) response.body["usage"] = model::usage_to_openai(response.usage);
  return response;
}

}  // namespace sluice::providers::bedrock
