// Internal (OpenAI chat) answers → a Responses API Response object, its stream events and errors
// (https://platform.openai.com/docs/api-reference/responses/object and /responses-streaming).
#include "api/openai/render.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "api/responses/responses_api.hpp"

namespace sluice::api::responses {
namespace json = boost::json;

namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The id the handler chose for a stored response; else "resp_…" from the provider's answer id
// (chatcmpl-…, msg_…), or made up when there is none.
std::string response_id(const model::Request& request, const json::object& chunk) {
  if (!request.responses.id.empty()) return request.responses.id;
  const json::value* id = chunk.if_contains("id");
  std::string s = id != nullptr && id->is_string() ? std::string(id->get_string()) : "";
  if (s.starts_with("resp_")) return s;
  if (auto dash = s.find_first_of("-_"); dash != std::string::npos) s = s.substr(dash + 1);
  if (s.empty()) s = std::to_string(now_s());
  return "resp_" + s;
}

// An item's id: its kind's prefix, the response's id and the item's place in `output`.
std::string item_id(std::string_view prefix, const std::string& response, std::size_t index) {
  std::string id(prefix);
  id += response.substr(5);  // past "resp_"
  id += '_';
  id += std::to_string(index);
  return id;
}

json::object usage_of(const model::Usage& u) {
  const std::uint64_t input = u.prompt_tokens.value_or(0);
  const std::uint64_t output = u.completion_tokens.value_or(0);
  return json::object{
      {"input_tokens", input},
      {"input_tokens_details", {{"cached_tokens", u.cached_tokens.value_or(0)}}},
      {"output_tokens", output},
      {"output_tokens_details", {{"reasoning_tokens", u.reasoning_tokens.value_or(0)}}},
      {"total_tokens", u.total_tokens.value_or(input + output)}};
}

json::object message_item(std::string id, std::string_view text, bool done) {
  json::array content;
  if (done)
    content.push_back(
        json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}});
  return json::object{{"id", std::move(id)},
                      {"type", "message"},
                      {"status", done ? "completed" : "in_progress"},
                      {"role", "assistant"},
                      {"content", std::move(content)}};
}

json::object function_call_item(std::string id, const json::value& call_id, const json::value& name,
                                std::string_view arguments, bool done) {
  return json::object{{"id", std::move(id)},
                      {"type", "function_call"},
                      {"status", done ? "completed" : "in_progress"},
                      {"call_id", call_id},
                      {"name", name},
                      {"arguments", arguments}};
}

json::object reasoning_item(std::string id, std::string_view text, const json::array& blocks) {
  json::array summary;
  if (!text.empty()) summary.push_back(json::object{{"type", "summary_text"}, {"text", text}});
  json::object item{{"id", std::move(id)}, {"type", "reasoning"}, {"summary", std::move(summary)}};
  if (!blocks.empty()) item["encrypted_content"] = seal_thinking_blocks(blocks);
  return item;
}

// status and incomplete_details from the chat finish reason.
void set_status(json::object& response, std::string_view finish) {
  if (finish == "length" || finish == "content_filter") {
    response["status"] = "incomplete";
    response["incomplete_details"] = {
        {"reason", finish == "length" ? "max_output_tokens" : "content_filter"}};
  } else {
    response["status"] = "completed";
    response["incomplete_details"] = nullptr;
  }
}

// The Response object around `output`, echoing what the request set.
json::object response_object(const model::Request& request, std::string id, std::int64_t created_at,
                             json::array output) {
  const json::object& in = request.body;
  auto echoed = [&](const char* key, json::value fallback) {
    const json::value* v = in.if_contains(key);
    return v != nullptr ? *v : fallback;
  };
  json::value format = json::object{{"type", "text"}};
  if (const json::value* f = in.if_contains("response_format"); f && f->is_object()) {
    const json::object& rf = f->get_object();
    if (rf.contains("json_schema") && rf.at("json_schema").is_object()) {
      json::object schema = rf.at("json_schema").get_object();
      schema["type"] = "json_schema";
      format = std::move(schema);
    } else {
      format = rf;
    }
  }
  json::array tools;
  if (const json::value* t = in.if_contains("tools"); t && t->is_array()) {
    for (const auto& tool : t->get_array()) {
      const json::value* fn =
          tool.is_object() ? tool.get_object().if_contains("function") : nullptr;
      if (fn == nullptr || !fn->is_object()) continue;
      json::object out = fn->get_object();
      out["type"] = "function";
      tools.push_back(std::move(out));
    }
  }
  json::value tool_choice = echoed("tool_choice", "auto");
  if (const json::object* c = tool_choice.if_object(); c && c->contains("function"))
    tool_choice = json::object{{"type", "function"}, {"name", c->at("function").at("name")}};
  json::value effort = echoed("reasoning_effort", nullptr);
  json::value instructions = nullptr;  // the first message, when it came from `instructions`
  if (const json::value* m = in.if_contains("messages"); request.responses.instructions && m &&
                                                         m->is_array() && !m->get_array().empty() &&
                                                         m->get_array()[0].is_object())
    if (const json::value* c = m->get_array()[0].get_object().if_contains("content"))
      instructions = *c;
  return json::object{{"id", std::move(id)},
                      {"object", "response"},
                      {"created_at", created_at},
                      {"status", "in_progress"},
                      {"error", nullptr},
                      {"incomplete_details", nullptr},
                      {"instructions", std::move(instructions)},
                      {"max_output_tokens", echoed("max_completion_tokens", nullptr)},
                      {"model", request.endpoint},
                      {"output", std::move(output)},
                      {"parallel_tool_calls", echoed("parallel_tool_calls", true)},
                      {"previous_response_id", request.responses.previous_id.empty()
                                                   ? json::value(nullptr)
                                                   : json::value(request.responses.previous_id)},
                      {"reasoning", {{"effort", std::move(effort)}, {"summary", nullptr}}},
                      {"store", request.responses.stored},
                      {"temperature", echoed("temperature", 1)},
                      {"text", {{"format", std::move(format)}}},
                      {"tool_choice", std::move(tool_choice)},
                      {"tools", std::move(tools)},
                      {"top_p", echoed("top_p", 1)},
                      {"truncation", "disabled"},
                      {"usage", nullptr},
                      {"user", echoed("user", nullptr)},
                      {"metadata", json::object{}}};
}

std::string frame(std::string_view type, const json::object& data) {
  return openai::named_event_frame(type, data);
}

// The Responses event sequence from chat deltas: an output item per kind of delta as it comes
// (reasoning, the message's text, each tool call), each opened (output_item.added), filled
// (…delta) and closed (…done, output_item.done) in turn; the whole Response once at the start
// (response.created, response.in_progress) and once at the end (response.completed, or
// response.incomplete when the answer was cut short, or response.failed).
class ResponsesStreamWriter : public StreamWriter {
 public:
  explicit ResponsesStreamWriter(const model::Request& request) : request_(request) {}

  std::string event(model::StreamEvent& event) override {
    std::string out;
    start(event.chunk, out);
    if (!event.usage.empty()) usage_ = event.usage;
    const json::value* choices = event.chunk.if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->get_array().empty()) return out;
    const json::object* choice = choices->get_array()[0].if_object();
    if (choice == nullptr) return out;
    const json::value* delta = choice->if_contains("delta");
    if (const json::object* d = delta ? delta->if_object() : nullptr) {
      if (const auto* r = d->if_contains("reasoning_content");
          r && r->is_string() && !r->get_string().empty())
        reasoning(r->get_string(), out);
      if (const auto* blocks = d->if_contains("thinking_blocks"); blocks && blocks->is_array())
        thinking_blocks(blocks->get_array(), out);
      if (const auto* c = d->if_contains("content");
          c && c->is_string() && !c->get_string().empty())
        text(c->get_string(), out);
      if (const auto* calls = d->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& call : calls->get_array()) {
          if (call.is_object()) tool_delta(call.get_object(), out);
        }
      }
    }
    if (const auto* f = choice->if_contains("finish_reason"); f && f->is_string())
      finish_ = f->get_string();
    return out;
  }

  std::string end() override {
    std::string out;
    start(json::object{}, out);
    close(out);
    json::object response = whole();
    set_status(response, finish_);
    response["usage"] = usage_of(usage_);
    const bool incomplete = response["status"] == "incomplete";
    out += emit(incomplete ? "response.incomplete" : "response.completed",
                json::object{{"response", std::move(response)}});
    return out;
  }

  std::string error(const Error& error) override {
    std::string out;
    start(json::object{}, out);
    close(out, "incomplete");  // cut short by the failure
    json::object response = whole();
    response["status"] = "failed";
    response["error"] = {{"code", error.error_code.empty() ? json::value(openai_type(error))
                                                           : json::value(error.error_code)},
                         {"message", error.message}};
    out += emit("response.failed", json::object{{"response", std::move(response)}});
    return out;
  }

 private:
  enum class Open { kNone, kReasoning, kMessage, kFunctionCall };

  std::string emit(std::string_view type, json::object data) {
    data["type"] = type;
    data["sequence_number"] = sequence_++;
    return frame(type, std::move(data));
  }
  json::object whole() const { return response_object(request_, id_, created_at_, output_); }

  void start(const json::object& chunk, std::string& out) {
    if (started_) return;
    started_ = true;
    id_ = response_id(request_, chunk);
    created_at_ = now_s();
    out += emit("response.created", json::object{{"response", whole()}});
    out += emit("response.in_progress", json::object{{"response", whole()}});
  }

  std::string current_id() const { return item_id(prefix_, id_, output_.size()); }
  json::object at_item(json::object data) const {
    data["item_id"] = current_id();
    data["output_index"] = output_.size();
    return data;
  }

  void open(Open kind, std::string_view prefix, json::object item, std::string& out) {
    close(out);
    open_ = kind;
    prefix_ = prefix;
    buffer_.clear();
    item["id"] = current_id();
    out += emit("response.output_item.added",
                json::object{{"output_index", output_.size()}, {"item", std::move(item)}});
  }

  void reasoning(std::string_view t, std::string& out) {
    if (open_ != Open::kReasoning) {
      open(Open::kReasoning, "rs_", reasoning_item({}, {}, {}), out);
      out += emit("response.reasoning_summary_part.added",
                  at_item(json::object{{"summary_index", 0},
                                       {"part", {{"type", "summary_text"}, {"text", ""}}}}));
    }
    buffer_ += t;
    block_text_ += t;
    out += emit("response.reasoning_summary_text.delta",
                at_item(json::object{{"summary_index", 0}, {"delta", t}}));
  }

  // Anthropic's thinking blocks, as the anthropic provider streams them (model/stream_assembly
  // says how): a block without text is the signature of the text since the previous block.
  void thinking_blocks(const json::array& blocks, std::string& out) {
    if (open_ != Open::kReasoning) reasoning({}, out);
    for (const auto& b : blocks) {
      if (!b.is_object()) continue;
      json::object block = b.get_object();
      const json::value* text = block.if_contains("thinking");
      if (block.contains("type") && block.at("type") == "thinking" &&
          (text == nullptr || !text->is_string() || text->get_string().empty()))
        block["thinking"] = block_text_;
      block_text_.clear();
      blocks_.push_back(std::move(block));
    }
  }

  void text(std::string_view t, std::string& out) {
    if (open_ != Open::kMessage) {
      open(Open::kMessage, "msg_", message_item({}, {}, false), out);
      out += emit(
          "response.content_part.added",
          at_item(json::object{
              {"content_index", 0},
              {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", json::array{}}}}}));
    }
    buffer_ += t;
    out += emit(
        "response.output_text.delta",
        at_item(json::object{{"content_index", 0}, {"delta", t}, {"logprobs", json::array{}}}));
  }

  void tool_delta(const json::object& call, std::string& out) {
    const json::value* i = call.if_contains("index");
    const std::int64_t tool = i != nullptr && i->is_int64() ? i->get_int64() : 0;
    const json::value* fn = call.if_contains("function");
    const json::object* f = fn ? fn->if_object() : nullptr;
    if (open_ != Open::kFunctionCall || tool != tool_index_) {
      call_id_ = call.contains("id") ? call.at("id") : json::value("");
      name_ = f && f->contains("name") ? f->at("name") : json::value("");
      open(Open::kFunctionCall, "fc_", function_call_item({}, call_id_, name_, "", false), out);
      tool_index_ = tool;
    }
    if (const auto* args = f ? f->if_contains("arguments") : nullptr;
        args && args->is_string() && !args->get_string().empty()) {
      buffer_ += args->get_string();
      out +=
          emit("response.function_call_arguments.delta", at_item(json::object{{"delta", *args}}));
    }
  }

  // Closes the open item: its …done events, then output_item.done with the whole item, whose
  // status is `status` when it has one (message and function_call items).
  void close(std::string& out, std::string_view status = "completed") {
    json::object item;
    switch (open_) {
      case Open::kNone:
        return;
      case Open::kReasoning:
        out += emit("response.reasoning_summary_text.done",
                    at_item(json::object{{"summary_index", 0}, {"text", buffer_}}));
        out += emit("response.reasoning_summary_part.done",
                    at_item(json::object{{"summary_index", 0},
                                         {"part", {{"type", "summary_text"}, {"text", buffer_}}}}));
        item = reasoning_item(current_id(), buffer_, blocks_);
        blocks_.clear();
        break;
      case Open::kMessage:
        out += emit("response.output_text.done",
                    at_item(json::object{
                        {"content_index", 0}, {"text", buffer_}, {"logprobs", json::array{}}}));
        out += emit(
            "response.content_part.done",
            at_item(json::object{
                {"content_index", 0},
                {"part",
                 {{"type", "output_text"}, {"text", buffer_}, {"annotations", json::array{}}}}}));
        item = message_item(current_id(), buffer_, true);
        break;
      case Open::kFunctionCall:
        out += emit("response.function_call_arguments.done",
                    at_item(json::object{{"name", name_}, {"arguments", buffer_}}));
        item = function_call_item(current_id(), call_id_, name_, buffer_, true);
        break;
    }
    open_ = Open::kNone;
    if (item.contains("status")) item["status"] = status;
    out += emit("response.output_item.done",
                json::object{{"output_index", output_.size()}, {"item", item}});
    output_.push_back(std::move(item));
  }

  const model::Request& request_;
  bool started_ = false;
  std::string id_;
  std::int64_t created_at_ = 0;
  std::uint64_t sequence_ = 0;
  json::array output_;  // the closed items, as response.completed carries them
  Open open_ = Open::kNone;
  std::string_view prefix_;
  std::string buffer_;      // the open item's text, reasoning or arguments so far
  std::string block_text_;  // thinking text since the last thinking block
  json::array blocks_;      // the open reasoning item's thinking blocks
  std::int64_t tool_index_ = -1;
  json::value call_id_;
  json::value name_;
  std::string finish_ = "stop";
  model::Usage usage_;
};

}  // namespace

std::string ResponsesApi::render_response(const model::Request& request,
                                          model::Response& response) const {
  const json::object& body = response.body;
  const std::string id = response_id(request, body);
  json::array output;
  std::string finish = "stop";
  const json::value* choices = body.if_contains("choices");
  const json::object* choice = choices && choices->is_array() && !choices->get_array().empty()
                                   ? choices->get_array()[0].if_object()
                                   : nullptr;
  const json::value* m = choice ? choice->if_contains("message") : nullptr;
  if (const json::object* message = m ? m->if_object() : nullptr) {
    const json::value* r = message->if_contains("reasoning_content");
    const json::value* blocks = message->if_contains("thinking_blocks");
    std::string_view reasoning;
    if (r != nullptr && r->is_string()) reasoning = r->get_string();
    const bool has_blocks = blocks && blocks->is_array() && !blocks->get_array().empty();
    if (!reasoning.empty() || has_blocks) {
      output.push_back(reasoning_item(item_id("rs_", id, output.size()), reasoning,
                                      has_blocks ? blocks->get_array() : json::array{}));
    }
    if (const json::value* c = message->if_contains("content");
        c && c->is_string() && !c->get_string().empty())
      output.push_back(message_item(item_id("msg_", id, output.size()), c->get_string(), true));
    if (const json::value* calls = message->if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& call : calls->get_array()) {
        const json::object* c = call.if_object();
        const json::value* fn = c ? c->if_contains("function") : nullptr;
        const json::object* f = fn ? fn->if_object() : nullptr;
        if (f == nullptr) continue;
        const json::value* args = f->if_contains("arguments");
        std::string_view arguments;
        if (args != nullptr && args->is_string()) arguments = args->get_string();
        output.push_back(function_call_item(
            item_id("fc_", id, output.size()), c->contains("id") ? c->at("id") : json::value(""),
            f->contains("name") ? f->at("name") : json::value(""), arguments, true));
      }
    }
  }
  if (const json::value* f = choice ? choice->if_contains("finish_reason") : nullptr;
      f && f->is_string())
    finish = f->get_string();
  const json::value* created = body.if_contains("created");
  json::object out =
      response_object(request, id, created && created->is_int64() ? created->get_int64() : now_s(),
                      std::move(output));
  set_status(out, finish);
  out["usage"] = usage_of(response.usage);
  return json::serialize(out);
}

std::string ResponsesApi::render_error(const Error& error) const {
  return openai::render_error(error);
}

std::string ResponsesApi::render_stream_error(const Error& error) const {
  static const model::Request kNoRequest;  // a failure before any request was read
  return ResponsesStreamWriter(kNoRequest).error(error);
}

std::unique_ptr<StreamWriter> ResponsesApi::stream_writer(const model::Request& request) const {
  return std::make_unique<ResponsesStreamWriter>(request);
}

}  // namespace sluice::api::responses
