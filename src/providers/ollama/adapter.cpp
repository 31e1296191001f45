#include "providers/ollama/adapter.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "providers/common/chunks.hpp"
#include "providers/common/support.hpp"
#include "providers/openai/presets.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::ollama {
namespace json = boost::json;

namespace {

Error fail(ErrorCode code, std::string message) {
  Error e = Error::make(code, std::move(message));
  e.provider = "ollama";
  return e;
}

std::optional<std::uint64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_uint64()) return v->get_uint64();
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0)
    return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

model::Usage usage_of(const json::object& o) {
  model::Usage u;
  u.prompt_tokens = count(o, "prompt_eval_count");
  u.completion_tokens = count(o, "eval_count");
  if (u.prompt_tokens || u.completion_tokens)
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  return u;
}

std::string_view finish_of(const json::object& o, bool tools) {
  const json::value* r = o.if_contains("done_reason");
  if (r != nullptr && *r == "length") return "length";
  return tools ? "tool_calls" : "stop";
}

// Ollama's tool calls carry arguments as an object and no id: OpenAI's need a string and an id.
json::array tool_calls_of(const json::object& message, std::size_t first) {
  json::array out;
  const json::value* calls = message.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return out;
  for (const auto& c : calls->get_array()) {
    const json::value* fn = c.is_object() ? c.get_object().if_contains("function") : nullptr;
    if (fn == nullptr || !fn->is_object()) continue;
    const auto& f = fn->get_object();
    const json::value* args = f.if_contains("arguments");
    out.push_back(
        json::object{{"index", first + out.size()},
                     {"id", "call_" + std::to_string(first + out.size())},
                     {"type", "function"},
                     {"function",
                      {{"name", f.contains("name") ? f.at("name") : json::value("")},
                       {"arguments", args ? json::serialize(*args) : std::string("{}")}}}});
  }
  return out;
}

// Options Ollama takes under `options`, by OpenAI's names.
void put_options(const json::object& in, json::object& out) {
  json::object options;
  for (const auto& kv : in) {
    const std::string_view k = kv.key();
    if (kv.value().is_null()) continue;
    if (k == "max_tokens" || k == "max_completion_tokens") {
      options["num_predict"] = kv.value();
    } else if (k == "temperature" || k == "top_p" || k == "top_k" || k == "seed" ||
               k == "presence_penalty" || k == "frequency_penalty") {
      options[k] = kv.value();
    } else if (k == "stop") {
      options["stop"] = kv.value().is_string() ? json::value(json::array{kv.value()}) : kv.value();
    }
  }
  if (!options.empty()) out["options"] = std::move(options);
  if (const auto* f = in.if_contains("response_format"); f && f->is_object()) {
    const auto& o = f->get_object();
    if (o.contains("type") && o.at("type") == "json_object") out["format"] = "json";
    if (o.contains("type") && o.at("type") == "json_schema" && o.contains("json_schema") &&
        o.at("json_schema").is_object() && o.at("json_schema").get_object().contains("schema")) {
      out["format"] = o.at("json_schema").get_object().at("schema");
    }
  }
}

Result<json::array> messages_of(const json::value* given) {
  if (given == nullptr || !given->is_array())
    return Error::invalid("'messages' must be an array.", "messages");
  json::array out;
  for (const auto& m : given->get_array()) {
    const json::object* msg = m.if_object();
    if (msg == nullptr || !msg->contains("role"))
      return Error::invalid("Each message needs a role.", "messages");
    json::object o{
        {"role", msg->at("role") == "developer" ? json::value("system") : msg->at("role")}};
    std::string text;
    json::array images;
    const json::value* content = msg->if_contains("content");
    if (content != nullptr && content->is_string()) {
      text = content->get_string();
    } else if (content != nullptr && content->is_array()) {
      for (const auto& p : content->get_array()) {
        const json::object* part = p.if_object();
        if (part == nullptr) continue;
        if (part->contains("text") && part->at("text").is_string()) {
          text += part->at("text").get_string();
        } else if (part->contains("image_url")) {
          const json::value* ref = &part->at("image_url");
          const json::value* url = ref->is_object() ? ref->get_object().if_contains("url") : ref;
          std::string_view u = url && url->is_string() ? std::string_view(url->get_string()) : "";
          auto comma = u.find(',');
          if (!u.starts_with("data:") || comma == std::string_view::npos)
            return Error::invalid("The ollama provider takes images as base64 data URLs.",
                                  "messages");
          images.push_back(json::string(u.substr(comma + 1)));
        }
      }
    }
    o["content"] = text;
    if (!images.empty()) o["images"] = std::move(images);
    if (const auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
      json::array converted;
      for (const auto& c : calls->get_array()) {
        const json::value* fn = c.is_object() ? c.get_object().if_contains("function") : nullptr;
        if (fn == nullptr || !fn->is_object()) continue;
        const auto& f = fn->get_object();
        json::value args = json::object{};
        if (const auto* a = f.if_contains("arguments");
            a && a->is_string() && !a->get_string().empty()) {
          boost::system::error_code ec;
          args = util::parse_json(a->get_string(), ec);
          if (ec) return Error::invalid("Tool call arguments must be JSON.", "messages");
        }
        converted.push_back(
            json::object{{"function", {{"name", f.at("name")}, {"arguments", std::move(args)}}}});
      }
      o["tool_calls"] = std::move(converted);
    }
    out.push_back(std::move(o));
  }
  return out;
}

class NdjsonTranslator : public StreamTranslator {
 public:
  NdjsonTranslator(std::string model, bool chat)
      : chat_(chat), chunks_(chat, "ollama", std::move(model)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    pending_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending_.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (auto e = handle(line, out)) {
        pending_.erase(0, nl + 1);
        return *e;
      }
    }
    pending_.erase(0, start);
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>& out) override {
    if (!pending_.empty()) {
      std::string last = std::move(pending_);
      pending_.clear();
      if (auto e = handle(last, out)) return *e;
    }
    if (!done_)
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    return {};
  }

 private:
  std::optional<Error> handle(std::string_view line, std::vector<model::StreamEvent>& out) {
    boost::system::error_code ec;
    json::value parsed = util::parse_json(line, ec);
    if (ec || !parsed.is_object())
      return fail(ErrorCode::kUpstreamUnavailable, "provider sent a stream line that is not JSON");
    const json::object& o = parsed.get_object();
    if (const auto* err = o.if_contains("error"); err && err->is_string())
      return fail(ErrorCode::kUpstreamServerError, std::string(err->get_string()));
    if (!started_ && chat_) out.push_back(chunks_.role());
    started_ = true;
    std::string text;
    json::array calls;
    if (chat_) {
      if (const auto* m = o.if_contains("message"); m && m->is_object()) {
        const auto& msg = m->get_object();
        if (const auto* c = msg.if_contains("content"); c && c->is_string()) text = c->get_string();
        calls = tool_calls_of(msg, tools_);
        tools_ += calls.size();
      }
    } else if (const auto* r = o.if_contains("response"); r && r->is_string()) {
      text = r->get_string();
    }
    if (!text.empty()) out.push_back(chunks_.text(text));
    for (auto& call : calls)
      out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
    if (const auto* d = o.if_contains("done"); d && *d == true) {
      done_ = true;
      out.push_back(chunks_.finish(finish_of(o, tools_ > 0)));
      if (model::Usage usage = usage_of(o); !usage.empty()) out.push_back(chunks_.usage(usage));
    }
    return std::nullopt;
  }
  bool chat_;
  common::ChunkMaker chunks_;
  std::string pending_;
  std::size_t tools_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_ndjson_translator(std::string model, bool chat) {
  return std::make_unique<NdjsonTranslator>(std::move(model), chat);
}

Result<UpstreamRequest> OllamaNativeAdapter::translate_request(
    const model::Request& request) const {
  const json::object& in = request.body;
  json::object body{{"model", model_}};
  UpstreamRequest out;
  switch (request.operation) {
    case model::Operation::kChat: {
      auto messages = messages_of(in.if_contains("messages"));
      if (!messages) return messages.error();
      body["messages"] = std::move(*messages);
      if (const auto* t = in.if_contains("tools"); t && t->is_array()) body["tools"] = *t;
      put_options(in, body);
      out.target = upstream_.url.path + "/api/chat";
      break;
    }
    case model::Operation::kCompletions: {
      const json::value* prompt = in.if_contains("prompt");
      if (prompt != nullptr && prompt->is_array() && prompt->get_array().size() == 1)
        prompt = &prompt->get_array()[0];
      if (prompt == nullptr || !prompt->is_string())
        return Error::invalid("The ollama provider takes one prompt string.", "prompt");
      body["prompt"] = *prompt;
      if (const auto* s = in.if_contains("suffix"); s && s->is_string()) body["suffix"] = *s;
      put_options(in, body);
      out.target = upstream_.url.path + "/api/generate";
      break;
    }
    case model::Operation::kEmbeddings:
      body["input"] = in.contains("input") ? in.at("input") : json::value("");
      if (const auto* d = in.if_contains("dimensions"); d && !d->is_null()) body["dimensions"] = *d;
      out.target = upstream_.url.path + "/api/embed";
      break;
    case model::Operation::kCustom:
      return Error::invalid("The ollama provider does not serve custom/v1/predict.");
  }
  if (request.operation != model::Operation::kEmbeddings)
    body["stream"] = request.stream;  // Ollama streams by default
  out.headers.emplace_back("Content-Type", "application/json");
  if (!api_key_.empty()) out.headers.emplace_back("Authorization", "Bearer " + api_key_);
  out.body = json::serialize(body);
  return out;
}

Result<model::Response> OllamaNativeAdapter::translate_response(const model::Request& request,
                                                                const UpstreamHead&,
                                                                std::string_view text) const {
  auto parsed = common::parse_answer("ollama", text, request.body.storage());
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  model::Response response;
  response.usage = usage_of(o);
  json::object out(request.body.storage());
  out["model"] = model_;
  if (request.operation == model::Operation::kEmbeddings) {
    json::array data;
    std::int64_t i = 0;
    if (const auto* e = o.if_contains("embeddings"); e && e->is_array()) {
      for (const auto& v : e->get_array())
        data.push_back(json::object{{"object", "embedding"}, {"index", i++}, {"embedding", v}});
    }
    out["object"] = "list";
    out["data"] = std::move(data);
    if (response.usage.prompt_tokens) {
      response.usage.total_tokens = response.usage.prompt_tokens;
      out["usage"] = model::usage_to_openai(response.usage);
    }
    response.body = std::move(out);
    return response;
  }
  out["id"] = "ollama";
  out["created"] = static_cast<std::int64_t>(std::time(nullptr));
  if (request.operation == model::Operation::kChat) {
    const json::value* m = o.if_contains("message");
    const json::object empty;
    const json::object& msg = m && m->is_object() ? m->get_object() : empty;
    json::array calls = tool_calls_of(msg, 0);
    for (auto& c : calls) c.get_object().erase("index");
    const std::string content = msg.contains("content") && msg.at("content").is_string()
                                    ? std::string(msg.at("content").get_string())
                                    : "";
    json::object message{{"role", "assistant"}};
    message["content"] =
        content.empty() && !calls.empty() ? json::value(nullptr) : json::value(content);
    const bool tools = !calls.empty();
    if (tools) message["tool_calls"] = std::move(calls);
    out["object"] = "chat.completion";
    out["choices"] = json::array{json::object{
        {"index", 0}, {"message", std::move(message)}, {"finish_reason", finish_of(o, tools)}}};
  } else {
    out["object"] = "text_completion";
    out["choices"] = json::array{
        json::object{{"index", 0},
                     {"text", o.contains("response") ? o.at("response") : json::value("")},
                     {"finish_reason", finish_of(o, false)},
                     {"logprobs", nullptr}}};
  }
  if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
  response.body = std::move(out);
  return response;
}

std::unique_ptr<StreamTranslator> OllamaNativeAdapter::open_stream(
    const model::Request& request) const {
  return make_ndjson_translator(model_, request.operation == model::Operation::kChat);
}

Error OllamaNativeAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // {"error": "model 'x' not found"}
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  std::string message;
  if (!ec && parsed.is_object() && parsed.get_object().contains("error") &&
      parsed.get_object().at("error").is_string())
    message = parsed.get_object().at("error").get_string();
  if (message.empty()) message = "provider returned HTTP " + std::to_string(head.status);
  Error e =
      fail(head.status >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError,
           std::move(message));
  e.upstream_status = head.status;
  return e;
}

Result<std::shared_ptr<const ProviderAdapter>> make_ollama_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  config.accept("api");  // read here, so the preset does not refuse it as unknown
  auto api = config.string("api");
  if (!api) return api.error();
  const std::string mode = api->value_or("openai");
  if (mode != "openai" && mode != "native") return config.fail("api", "must be openai or native");
  if (mode == "openai") {
    for (const auto& preset : openai::presets()) {
      if (std::string_view(preset.name) == "ollama")
        return openai::make_preset_adapter(spec, preset);
    }
  }
  if (spec.model_name.empty()) return config.fail_section("the ollama provider needs model.name");
  auto key = config.string("api_key");
  auto base = config.string("api_base");
  for (auto* r : {&key, &base}) {
    if (!*r) return r->error();
  }
  const std::string base_text = base->value_or("http://localhost:11434");
  std::string why;
  auto url = util::parse_base_url(base_text, why);
  if (!url) return config.fail("api_base", "'" + base_text + "' " + why);
  if (auto r = config.reject_unknown(); !r) return r.error();
  Upstream upstream;
  upstream.url = *url;
  const std::string k = key->value_or("");
  return std::shared_ptr<const ProviderAdapter>(std::make_shared<OllamaNativeAdapter>(
      spec.model_name, std::move(upstream), k == "ollama" ? "" : k));
}

}  // namespace sluice::providers::ollama
