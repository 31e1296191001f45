// Internal (OpenAI-dialect) answers → Anthropic's message, stream events and errors.
#include "api/openai/render.hpp"

#include <boost/json.hpp>
#include <map>

#include "api/anthropic/anthropic_api.hpp"

namespace sluice::api::anthropic {
namespace json = boost::json;

namespace {

std::string_view stop_reason(std::string_view finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls" || finish == "function_call") return "tool_use";
  if (finish == "content_filter") return "refusal";
  return "end_turn";
}

json::object usage_of(const model::Usage& u) {
  const std::uint64_t cached = u.cached_tokens.value_or(0);
  const std::uint64_t written = u.cache_write_tokens.value_or(0);
  const std::uint64_t prompt = u.prompt_tokens.value_or(0);
  // Anthropic counts fresh input apart from cache reads and writes; OpenAI's prompt has all.
  json::object o{{"input_tokens", prompt >= cached + written ? prompt - cached - written : 0},
                 {"output_tokens", u.completion_tokens.value_or(0)}};
  if (u.cached_tokens) o["cache_read_input_tokens"] = cached;
  if (u.cache_write_tokens) o["cache_creation_input_tokens"] = written;
  return o;
}

json::value tool_input(std::string_view arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  if (!ec && v.is_object()) return v;
  // Not an object (a model may emit broken JSON): keep the text rather than lose it.
  return json::object{{"arguments", arguments}};
}

std::string message_id(const json::object& body) {
  const json::value* id = body.if_contains("id");
  std::string s = id != nullptr && id->is_string() ? std::string(id->get_string()) : "";
  return s.starts_with("msg_") ? s : "msg_" + s;
}

std::string frame(std::string_view type, const json::object& data) {
  return openai::named_event_frame(type, data);
}

// Opens and closes content blocks around OpenAI's deltas: a text block for content, one
// tool_use block per tool call, in the order they come.
class AnthropicStreamWriter : public StreamWriter {
 public:
  explicit AnthropicStreamWriter(const model::Request& request) : request_(request) {}

  std::string event(model::StreamEvent& event) override {
    std::string out;
    start(event.chunk, out);
    if (!event.usage.empty()) usage_ = event.usage;
    if (event.kind == model::StreamEvent::Kind::kUsage) return out;
    const json::value* choices = event.chunk.if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->get_array().empty()) return out;
    const json::object* choice = choices->get_array()[0].if_object();
    if (choice == nullptr) return out;
    const json::value* delta = choice->if_contains("delta");
    if (const json::object* d = delta ? delta->if_object() : nullptr;
        d != nullptr && d->contains("anthropic_event")) {
      passed_on(d->at("anthropic_event"), out);
    } else if (d != nullptr) {
      // Thinking first: it comes before the text and tool calls of the same turn. A delta with
      // thinking_blocks carries whole blocks (a replayed answer) or a streamed block's
      // signature; its reasoning_content is then the same text again.
      // Reasoning of other providers (DeepSeek, vLLM, …) becomes an unsigned thinking block,
      // which the anthropic provider leaves out if the client sends it back.
      if (const auto* blocks = d->if_contains("thinking_blocks");
          blocks && blocks->is_array() && !blocks->get_array().empty()) {
        for (const auto& b : blocks->get_array()) {
          if (b.is_object()) thinking_block(b.get_object(), out);
        }
      } else if (const auto* r = d->if_contains("reasoning_content");
                 r && r->is_string() && !r->get_string().empty()) {
        thinking(r->get_string(), out);
      }
      if (const auto* c = d->if_contains("content");
          c && c->is_string() && !c->get_string().empty())
        text(c->get_string(), out);
      if (const auto* calls = d->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& call : calls->get_array()) {
          if (call.is_object()) tool_delta(call.get_object(), out);
        }
      }
    }
    if (const auto* f = choice->if_contains("finish_reason"); f && f->is_string()) {
      close_block(out);
      finish_ = stop_reason(f->get_string());
      if (const auto* r = choice->if_contains("anthropic_stop_reason"); r && r->is_string())
        finish_ = r->get_string();
      if (const auto* q = choice->if_contains("anthropic_stop_sequence"); q && q->is_string())
        stop_sequence_ = *q;
    }
    return out;
  }

  std::string end() override {
    std::string out;
    start(json::object{}, out);
    close_block(out);
    out +=
        frame("message_delta",
              json::object{{"type", "message_delta"},
                           {"delta", {{"stop_reason", finish_}, {"stop_sequence", stop_sequence_}}},
                           {"usage", usage_of(usage_)}});
    out += frame("message_stop", json::object{{"type", "message_stop"}});
    return out;
  }

  std::string error(const Error& error) override {
    return frame(
        "error",
        json::object{{"type", "error"},
                     {"error", {{"type", error_type(error)}, {"message", error.message}}}});
  }

 private:
  void start(const json::object& chunk, std::string& out) {
    if (started_) return;
    started_ = true;
    out += frame("message_start",
                 json::object{{"type", "message_start"},
                              {"message",
                               {{"id", message_id(chunk)},
                                {"type", "message"},
                                {"role", "assistant"},
                                {"model", request_.endpoint},
                                {"content", json::array{}},
                                {"stop_reason", nullptr},
                                {"stop_sequence", nullptr},
                                {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}}}});
  }
  void open_block(json::object block, std::string& out) {
    close_block(out);
    open_ = true;
    out += frame("content_block_start", json::object{{"type", "content_block_start"},
                                                     {"index", index_},
                                                     {"content_block", std::move(block)}});
  }
  void close_block(std::string& out) {
    if (!open_) return;
    open_ = false;
    text_open_ = false;
    thinking_open_ = false;
    out += frame("content_block_stop",
                 json::object{{"type", "content_block_stop"}, {"index", index_++}});
  }
  void text(std::string_view t, std::string& out) {
    streamed(text_open_, json::object{{"type", "text"}, {"text", ""}},
             json::object{{"type", "text_delta"}, {"text", t}}, out);
  }
  void thinking(std::string_view t, std::string& out) {
    streamed(thinking_open_, thinking_start(),
             json::object{{"type", "thinking_delta"}, {"thinking", t}}, out);
  }
  // As Anthropic opens one: the signature comes as a signature_delta before the block stops.
  static json::object thinking_start() {
    return json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
  }
  // A delta to the open text or thinking block (`open` says which is), opening `block` first.
  void streamed(bool& open, json::object block, json::object delta, std::string& out) {
    if (!open) {
      open_block(std::move(block), out);
      open = true;
    }
    out += frame("content_block_delta", json::object{{"type", "content_block_delta"},
                                                     {"index", index_},
                                                     {"delta", std::move(delta)}});
  }
  // A whole thinking block, or the signature that ends the one open; a redacted block whole.
  void thinking_block(const json::object& block, std::string& out) {
    const json::value* type = block.if_contains("type");
    if (type != nullptr && *type == "thinking") {
      if (const auto* t = block.if_contains("thinking");
          t && t->is_string() && !t->get_string().empty())
        thinking(t->get_string(), out);
      const json::value* sig = block.if_contains("signature");
      if (sig != nullptr && sig->is_string()) {
        streamed(thinking_open_, thinking_start(),
                 json::object{{"type", "signature_delta"}, {"signature", *sig}}, out);
      } else if (!thinking_open_) {
        open_block(thinking_start(), out);
      }
      close_block(out);
    } else if (type != nullptr && *type == "redacted_thinking") {
      open_block(block, out);
      close_block(out);
    }
  }
  // An Anthropic event passed on verbatim (providers/anthropic/stream.cpp): a block the OpenAI
  // shape cannot hold opens, fills and stops at this stream's own index; a citations_delta goes
  // to the text block open.
  void passed_on(const json::value& e, std::string& out) {
    const json::object* event = e.if_object();
    const json::value* type = event ? event->if_contains("type") : nullptr;
    if (type == nullptr) return;
    if (*type == "content_block_start" && event->contains("content_block") &&
        event->at("content_block").is_object()) {
      open_block(event->at("content_block").get_object(), out);
    } else if (*type == "content_block_delta" && event->contains("delta")) {
      const json::value& delta = event->at("delta");
      const bool citation = delta.is_object() && delta.get_object().contains("type") &&
                            delta.get_object().at("type") == "citations_delta";
      if (citation && !text_open_) {
        // A cited text block's citation comes before its text: the block opens here.
        open_block(json::object{{"type", "text"}, {"text", ""}}, out);
        text_open_ = true;
      }
      if (!open_) return;
      out +=
          frame("content_block_delta",
                json::object{{"type", "content_block_delta"}, {"index", index_}, {"delta", delta}});
    } else if (*type == "content_block_stop") {
      close_block(out);
    }
  }
  void tool_delta(const json::object& call, std::string& out) {
    const json::value* i = call.if_contains("index");
    const std::int64_t tool = i != nullptr && i->is_int64() ? i->get_int64() : 0;
    const json::value* fn = call.if_contains("function");
    const json::object* f = fn ? fn->if_object() : nullptr;
    if (tool != current_tool_) {
      current_tool_ = tool;
      open_block(json::object{{"type", "tool_use"},
                              {"id", call.contains("id") ? call.at("id") : json::value("")},
                              {"name", f && f->contains("name") ? f->at("name") : json::value("")},
                              {"input", json::object{}}},
                 out);
    }
    if (const auto* args = f ? f->if_contains("arguments") : nullptr;
        args && args->is_string() && !args->get_string().empty()) {
      out +=
          frame("content_block_delta",
                json::object{{"type", "content_block_delta"},
                             {"index", index_},
                             {"delta", {{"type", "input_json_delta"}, {"partial_json", *args}}}});
    }
  }

  const model::Request& request_;
  bool started_ = false;
  bool open_ = false;
  bool text_open_ = false;
  bool thinking_open_ = false;
  std::int64_t index_ = 0;
  std::int64_t current_tool_ = -1;
  std::string finish_ = "end_turn";
  json::value stop_sequence_ = nullptr;
  model::Usage usage_;
};

}  // namespace

std::string_view error_type(const Error& error) {
  switch (http_status(error)) {
    case 400:
    case 405:
    case 415:
    case 422:
    case 431:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return "api_error";
  }
}

std::string AnthropicApi::render_response(const model::Request& request,
                                          model::Response& response) const {
  const json::object& body = response.body;
  json::array content;
  std::string_view finish = "stop";
  std::string_view stop;  // Anthropic's own stop reason, when the provider kept it
  json::value stop_sequence = nullptr;
  if (const auto* choices = body.if_contains("choices");
      choices && choices->is_array() && !choices->get_array().empty()) {
    const json::object* choice = choices->get_array()[0].if_object();
    if (const auto* f = choice ? choice->if_contains("finish_reason") : nullptr;
        f && f->is_string())
      finish = f->get_string();
    if (const auto* r = choice ? choice->if_contains("anthropic_stop_reason") : nullptr;
        r && r->is_string())
      stop = r->get_string();
    if (const auto* q = choice ? choice->if_contains("anthropic_stop_sequence") : nullptr;
        q && q->is_string())
      stop_sequence = *q;
    const json::value* m = choice ? choice->if_contains("message") : nullptr;
    const json::object* msg = m ? m->if_object() : nullptr;
    if (const json::value* v = msg ? msg->if_contains("anthropic_content") : nullptr;
        v && v->is_array()) {
      content = v->get_array();  // Anthropic's own blocks, as the anthropic provider kept them
    } else if (msg != nullptr) {
      // Anthropic's thinking blocks (from the anthropic provider) come first, as they were;
      // other providers' reasoning as an unsigned thinking block, as in a stream.
      const json::value* t = msg->if_contains("thinking_blocks");
      const json::value* r = msg->if_contains("reasoning_content");
      if (t != nullptr && t->is_array() && !t->get_array().empty()) {
        for (const auto& b : t->get_array()) {
          if (b.is_object()) content.push_back(b);
        }
      } else if (r != nullptr && r->is_string() && !r->get_string().empty()) {
        content.push_back(json::object{{"type", "thinking"}, {"thinking", *r}, {"signature", ""}});
      }
      if (const auto* c = msg->if_contains("content");
          c && c->is_string() && !c->get_string().empty())
        content.push_back(json::object{{"type", "text"}, {"text", *c}});
      if (const auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& call : calls->get_array()) {
          const json::object* co = call.if_object();
          const json::value* fn = co ? co->if_contains("function") : nullptr;
          const json::object* f = fn ? fn->if_object() : nullptr;
          if (f == nullptr) continue;
          const json::value* args = f->if_contains("arguments");
          content.push_back(json::object{
              {"type", "tool_use"},
              {"id", co->contains("id") ? co->at("id") : json::value("")},
              {"name", f->contains("name") ? f->at("name") : json::value("")},
              {"input", tool_input(args && args->is_string() ? std::string_view(args->get_string())
                                                             : std::string_view("{}"))}});
        }
      }
    }
  }
  json::object out{{"id", message_id(body)},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", request.endpoint},
                   {"content", std::move(content)},
                   {"stop_reason", stop.empty() ? stop_reason(finish) : stop},
                   {"stop_sequence", stop_sequence},
                   {"usage", usage_of(response.usage)}};
  return json::serialize(out);
}

std::string AnthropicApi::render_error(const Error& error) const {
  return json::serialize(json::object{
      {"type", "error"}, {"error", {{"type", error_type(error)}, {"message", error.message}}}});
}

std::string AnthropicApi::render_stream_error(const Error& error) const {
  return frame("error",
               json::object{{"type", "error"},
                            {"error", {{"type", error_type(error)}, {"message", error.message}}}});
}

std::unique_ptr<StreamWriter> AnthropicApi::stream_writer(const model::Request& request) const {
  return std::make_unique<AnthropicStreamWriter>(request);
}

}  // namespace sluice::api::anthropic
