// OpenAI-dialect requests → Cohere v2 chat/embed bodies, and Cohere's answers back.
#include <boost/json.hpp>
#include <ctime>

#include "providers/cohere/adapter.hpp"
#include "providers/common/support.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::cohere {
namespace json = boost::json;

namespace {

constexpr std::string_view kDefaultBase = "https://api.cohere.com/v2";

Error invalid(std::string message, std::string param = {}) {
  return Error::invalid(std::move(message), std::move(param));
}

std::optional<std::uint64_t> count(const json::value* o, std::string_view key) {
  const json::value* v =
      o != nullptr && o->is_object() ? o->get_object().if_contains(key) : nullptr;
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  if (v->is_double() && v->get_double() >= 0 && v->get_double() < 1.8e19)  // cast is UB beyond
    return static_cast<std::uint64_t>(v->get_double());
  return std::nullopt;
}

// Cohere v2 messages are close to OpenAI's: roles system/user/assistant/tool, OpenAI-shaped
// tool_calls and tool_call_id. What differs: no `developer` role, no null content.
Result<json::array> messages_of(const json::value* given) {
  if (given == nullptr || !given->is_array())
    return invalid("'messages' must be an array.", "messages");
  json::array out;
  for (const auto& m : given->get_array()) {
    const json::object* msg = m.if_object();
    const json::value* role = msg ? msg->if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string())
      return invalid("Each message needs a role.", "messages");
    json::object copy;
    const std::string_view r = role->get_string();
    if (r != "system" && r != "developer" && r != "user" && r != "assistant" && r != "tool") {
      return invalid(
          "Messages with role '" + std::string(r) + "' are not supported by the cohere provider.",
          "messages");
    }
    copy["role"] = r == "developer" ? "system" : r;
    for (const auto& kv : *msg) {
      if (kv.key() == "role" || kv.key() == "name" || kv.key() == "refusal") continue;
      if (kv.key() == "content" && kv.value().is_null()) continue;
      copy[kv.key()] = kv.value();
    }
    out.push_back(std::move(copy));
  }
  return out;
}

}  // namespace

CohereAdapter::CohereAdapter(CohereSettings settings) : settings_(std::move(settings)) {
  if (!settings_.api_key.empty()) secrets_.push_back(settings_.api_key);
}

Result<UpstreamRequest> CohereAdapter::translate_request(const model::Request& request) const {
  UpstreamRequest out;
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", request.stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  const json::object& in = request.body;
  json::object body{{"model", settings_.model}};
  if (request.operation == model::Operation::kEmbeddings) {
    out.target = settings_.upstream.url.path + "/embed";
    const json::value* input = in.if_contains("input");
    json::array texts;
    if (input != nullptr && input->is_string()) {
      texts.push_back(*input);
    } else if (input != nullptr && input->is_array()) {
      for (const auto& t : input->get_array()) {
        if (!t.is_string())
          return invalid("The cohere provider embeds strings, not token arrays.", "input");
        texts.push_back(t);
      }
    } else {
      return invalid("'input' must be a string or an array of strings.", "input");
    }
    body["texts"] = std::move(texts);
    // Cohere needs to know what the text is for; documents unless the client says otherwise.
    const json::value* type = in.if_contains("input_type");
    body["input_type"] =
        type != nullptr && type->is_string() ? *type : json::value("search_document");
    body["embedding_types"] = json::array{"float"};
    if (const auto* d = in.if_contains("dimensions"); d && !d->is_null())
      body["output_dimension"] = *d;
    out.body = json::serialize(body);
    return out;
  }
  out.target = settings_.upstream.url.path + "/chat";
  auto messages = messages_of(in.if_contains("messages"));
  if (!messages) return messages.error();
  body["messages"] = std::move(*messages);
  common::Unsupported unsupported("cohere", settings_.reject_unsupported, out.dropped);
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "messages" || key == "stream_options" || v.is_null()) continue;
    if (key == "stream") {
      if (v.is_bool() && v.get_bool()) body["stream"] = true;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      body["max_tokens"] = v;
    } else if (key == "top_p") {
      body["p"] = v;
    } else if (key == "top_k") {
      body["k"] = v;
    } else if (key == "stop") {
      body["stop_sequences"] = v.is_string() ? json::value(json::array{v}) : v;
    } else if (key == "temperature" || key == "seed" || key == "frequency_penalty" ||
               key == "presence_penalty" || key == "tools") {
      body[key] = v;
    } else if (key == "tool_choice") {
      if (v == "required") {
        body["tool_choice"] = "REQUIRED";
      } else if (v == "none") {
        body["tool_choice"] = "NONE";
      } else if (v != "auto") {
        return invalid(
            "The cohere provider takes tool_choice auto, none or required, not a named function.",
            "tool_choice");
      }
    } else if (key == "response_format") {
      const json::object* f = v.if_object();
      const json::value* type = f ? f->if_contains("type") : nullptr;
      if (type != nullptr && *type == "json_object") {
        body["response_format"] = {{"type", "json_object"}};
      } else if (type != nullptr && *type == "json_schema" && f->contains("json_schema") &&
                 f->at("json_schema").is_object() &&
                 f->at("json_schema").get_object().contains("schema")) {
        body["response_format"] = {{"type", "json_object"},
                                   {"json_schema", f->at("json_schema").get_object().at("schema")}};
      } else if (type == nullptr || *type != "text") {
        return invalid("response_format.type must be text, json_object or json_schema.",
                       "response_format");
      }
    } else if (key == "n" || key == "logprobs" || key == "top_logprobs" || key == "logit_bias" ||
               key == "audio" || key == "modalities" || key == "prediction" ||
               key == "web_search_options" || key == "functions" || key == "function_call") {
      const bool neutral = (key == "n" && v.is_number() && v.to_number<double>() == 1) ||
                           (key == "logprobs" && v.is_bool() && !v.get_bool());
      if (neutral) continue;
      if (auto e = unsupported.semantic(key)) return *e;
    } else if (key == "user" || key == "service_tier" || key == "store" || key == "metadata" ||
               key == "parallel_tool_calls" || key == "reasoning_effort") {
      unsupported.cosmetic(key);
    } else {
      body[key] = v;  // Cohere's own fields (documents, citation_options, safety_mode, …)
    }
  }
  out.body = json::serialize(body);
  return out;
}

std::string_view finish_reason(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "TOOL_CALL") return "tool_calls";
  return "stop";  // COMPLETE, STOP_SEQUENCE, ERROR, TIMEOUT
}

model::Usage usage_from_cohere(const json::value* usage) {
  model::Usage u;
  if (usage == nullptr || !usage->is_object()) return u;
  // `tokens` counts what the model saw; `billed_units` what is charged. Prefer the former.
  const json::value* tokens = usage->get_object().if_contains("tokens");
  const json::value* billed = usage->get_object().if_contains("billed_units");
  u.prompt_tokens = count(tokens, "input_tokens");
  if (!u.prompt_tokens) u.prompt_tokens = count(billed, "input_tokens");
  u.completion_tokens = count(tokens, "output_tokens");
  if (!u.completion_tokens) u.completion_tokens = count(billed, "output_tokens");
  if (u.prompt_tokens || u.completion_tokens)
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  return u;
}

Result<model::Response> CohereAdapter::translate_response(const model::Request& request,
                                                          const UpstreamHead&,
                                                          std::string_view text) const {
  auto parsed = common::parse_answer("cohere", text, request.body.storage());
  if (!parsed) return parsed.error();
  const json::object& in = *parsed;
  model::Response response;
  json::object out(request.body.storage());
  if (request.operation == model::Operation::kEmbeddings) {
    const json::value* e = in.if_contains("embeddings");
    const json::value* floats =
        e != nullptr && e->is_object() ? e->get_object().if_contains("float") : nullptr;
    json::array data;
    std::int64_t i = 0;
    if (floats != nullptr && floats->is_array()) {
      for (const auto& v : floats->get_array())
        data.push_back(json::object{{"object", "embedding"}, {"index", i++}, {"embedding", v}});
    }
    const json::value* meta = in.if_contains("meta");
    const json::value* billed =
        meta && meta->is_object() ? meta->get_object().if_contains("billed_units") : nullptr;
    if (auto n = count(billed, "input_tokens")) {
      response.usage.prompt_tokens = n;
      response.usage.total_tokens = n;
    }
    out["object"] = "list";
    out["data"] = std::move(data);
    out["model"] = settings_.model;
    if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
    response.body = std::move(out);
    return response;
  }
  std::string content;
  json::value tool_calls;
  if (const auto* m = in.if_contains("message"); m && m->is_object()) {
    const auto& msg = m->get_object();
    if (const auto* c = msg.if_contains("content"); c && c->is_array()) {
      for (const auto& block : c->get_array()) {
        if (block.is_object() && block.get_object().contains("text") &&
            block.get_object().at("text").is_string())
          content += block.get_object().at("text").get_string();
      }
    }
    if (const auto* t = msg.if_contains("tool_calls");
        t && t->is_array() && !t->get_array().empty())
      tool_calls = *t;
  }
  const json::value* f = in.if_contains("finish_reason");
  const std::string_view finish =
      finish_reason(f && f->is_string() ? std::string_view(f->get_string()) : "");
  response.usage = usage_from_cohere(in.if_contains("usage"));
  out["id"] = in.contains("id") ? in.at("id") : json::value("cohere");
  out["object"] = "chat.completion";
  out["created"] = static_cast<std::int64_t>(std::time(nullptr));
  out["model"] = settings_.model;
  json::object msg{{"role", "assistant"}};
  msg["content"] =
      content.empty() && !tool_calls.is_null() ? json::value(nullptr) : json::value(content);
  if (!tool_calls.is_null()) msg["tool_calls"] = std::move(tool_calls);
  out["choices"] = json::array{
      json::object{{"index", 0}, {"message", std::move(msg)}, {"finish_reason", finish}}};
  if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
  response.body = std::move(out);
  return response;
}

std::unique_ptr<StreamTranslator> CohereAdapter::open_stream(const model::Request&) const {
  return make_stream_translator(settings_.model);
}

Error CohereAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // {"id": "…", "message": "…"}
  std::string message;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (const auto* m =
          !ec && parsed.is_object() ? parsed.get_object().if_contains("message") : nullptr;
      m && m->is_string()) {
    message = m->get_string();
  }
  return common::upstream_error("cohere", head.status, std::move(message), body);
}

Result<std::shared_ptr<const ProviderAdapter>> make_cohere_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  CohereSettings settings;
  settings.model = spec.model_name;
  if (settings.model.empty())
    return config.fail_section("the cohere provider needs model.name (e.g. command-a-03-2025)");
  auto key = config.string("cohere_api_key");
  if (!key) return key.error();
  if (!*key) return config.fail_section("cohere_api_key is required");
  settings.api_key = **key;
  auto url = common::base_url(config, "cohere_api_base", std::string(kDefaultBase));
  if (!url) return url.error();
  settings.upstream.url = *url;
  auto reject = common::reject_unsupported(config);
  if (!reject) return reject.error();
  settings.reject_unsupported = *reject;
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<CohereAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::cohere
