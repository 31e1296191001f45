#include "api/mlflow/mlflow_api.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <vector>

#include "api/openai/render.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"

namespace sluice::api::mlflow {
namespace json = boost::json;

namespace {

// Collects pydantic-style field errors: {"type", "loc": ["body", …], "msg", "input"}.
class Violations {
 public:
  void add(std::string_view type, std::initializer_list<json::value> loc, std::string msg,
           const json::value* input = nullptr) {
    json::array l{"body"};
    for (const auto& part : loc) l.push_back(part);
    json::object v{{"type", type}, {"loc", std::move(l)}, {"msg", std::move(msg)}};
    if (input != nullptr) v["input"] = *input;
    list_.push_back(std::move(v));
  }
  bool empty() const { return list_.empty(); }
  Error error() const {
    Error e = Error::make(ErrorCode::kUnprocessable, list_.front().at("msg").as_string().c_str());
    e.detail_json = json::serialize(list_);
    return e;
  }

 private:
  json::array list_;
};

bool is_integer(const json::value& v) { return v.is_int64() || v.is_uint64(); }

std::int64_t as_int(const json::value& v) {
  return v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
}

// A bound as pydantic prints it in messages: 2, 0.5, -2.
std::string number_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

void check_int_ge(Violations& v, const json::object& b, const char* key, std::int64_t min) {
  const auto* x = b.if_contains(key);
  if (x == nullptr || x->is_null()) return;
  if (!is_integer(*x)) {
    v.add("int_type", {key}, "Input should be a valid integer", x);
  } else if (as_int(*x) < min) {
    v.add("greater_than_equal", {key},
          "Input should be greater than or equal to " + std::to_string(min), x);
  }
}

void check_float_range(Violations& v, const json::object& b, const char* key, double min,
                       double max) {
  const auto* x = b.if_contains(key);
  if (x == nullptr || x->is_null()) return;
  if (!x->is_number()) {
    v.add("float_type", {key}, "Input should be a valid number", x);
    return;
  }
  double d = x->to_number<double>();
  if (d < min)
    v.add("greater_than_equal", {key},
          "Input should be greater than or equal to " + number_text(min), x);
  if (d > max)
    v.add("less_than_equal", {key}, "Input should be less than or equal to " + number_text(max), x);
}

void check_common(Violations& v, const json::object& b) {
  check_int_ge(v, b, "n", 1);
  check_int_ge(v, b, "max_tokens", 1);
  check_int_ge(v, b, "max_completion_tokens", 1);
  check_int_ge(v, b, "top_k", 1);
  check_float_range(v, b, "temperature", 0, 2);
  check_float_range(v, b, "top_p", 0, 1);
  check_float_range(v, b, "presence_penalty", -2, 2);
  check_float_range(v, b, "frequency_penalty", -2, 2);
  if (const auto* s = b.if_contains("stop"); s && !s->is_null()) {
    if (!s->is_array()) {
      v.add("list_type", {"stop"}, "Input should be a valid list", s);
    } else if (s->get_array().empty()) {
      v.add("too_short", {"stop"}, "List should have at least 1 item after validation, not 0", s);
    } else {
      for (std::size_t i = 0; i < s->get_array().size(); ++i) {
        if (!s->get_array()[i].is_string()) {
          v.add("string_type", {"stop", i}, "Input should be a valid string", &s->get_array()[i]);
        }
      }
    }
  }
  if (const auto* s = b.if_contains("stream"); s && !s->is_null() && !s->is_bool()) {
    v.add("bool_type", {"stream"}, "Input should be a valid boolean", s);
  }
  if (const auto* s = b.if_contains("stream_options"); s && !s->is_null() && !s->is_object()) {
    v.add("dict_type", {"stream_options"}, "Input should be a valid dictionary", s);
  }
}

void check_messages(Violations& v, const json::object& b) {
  const auto* m = b.if_contains("messages");
  if (m == nullptr) {
    v.add("missing", {"messages"}, "Field required");
    return;
  }
  if (!m->is_array()) {
    v.add("list_type", {"messages"}, "Input should be a valid list", m);
    return;
  }
  if (m->get_array().empty()) {
    v.add("too_short", {"messages"}, "List should have at least 1 item after validation, not 0", m);
  }
  std::size_t i = 0;
  for (const auto& msg : m->get_array()) {
    if (!msg.is_object()) {
      v.add("model_type", {"messages", i},
            "Input should be a valid dictionary or instance of RequestMessage", &msg);
    } else {
      const auto* role = msg.get_object().if_contains("role");
      if (role == nullptr)
        v.add("missing", {"messages", i, "role"}, "Field required");
      else if (!role->is_string())
        v.add("string_type", {"messages", i, "role"}, "Input should be a valid string", role);
      const auto* content = msg.get_object().if_contains("content");
      if (content != nullptr && !content->is_null() && !content->is_string() &&
          !content->is_array()) {
        v.add("string_type", {"messages", i, "content"}, "Input should be a valid string", content);
      }
    }
    ++i;
  }
}

void check_prompt(Violations& v, const json::object& b) {
  const auto* p = b.if_contains("prompt");
  if (p == nullptr)
    v.add("missing", {"prompt"}, "Field required");
  else if (!p->is_string())
    v.add("string_type", {"prompt"}, "Input should be a valid string", p);
}

void check_input(Violations& v, const json::object& b) {
  const auto* in = b.if_contains("input");
  if (in == nullptr) {
    v.add("missing", {"input"}, "Field required");
    return;
  }
  if (in->is_string()) return;
  bool ok = in->is_array();
  if (ok) {
    const auto& a = in->get_array();
    bool strings = true, ints = true, lists = true;
    for (const auto& e : a) {
      strings = strings && e.is_string();
      ints = ints && is_integer(e);
      bool int_list = e.is_array();
      if (int_list) {
        for (const auto& t : e.get_array()) int_list = int_list && is_integer(t);
      }
      lists = lists && int_list;
    }
    ok = strings || ints || lists;
  }
  if (!ok) {
    v.add("union_type", {"input"},
          "Input should be a valid string, a list of strings, a list of integers or a list of "
          "lists of integers",
          in);
  }
}

// MLflow's response models drop fields they do not know; keep exactly MLflow's.
json::object pick(const json::object& from, std::initializer_list<std::string_view> keys) {
  json::object out(from.storage());
  for (auto k : keys) {
    if (const auto* v = from.if_contains(k)) out[k] = *v;
  }
  return out;
}

json::object usage_of(const json::object& body) {
  const auto* u = body.if_contains("usage");
  if (u == nullptr || !u->is_object()) {
    return json::object{
        {"prompt_tokens", nullptr}, {"completion_tokens", nullptr}, {"total_tokens", nullptr}};
  }
  json::object out = pick(u->get_object(), {"prompt_tokens", "completion_tokens", "total_tokens"});
  for (auto k : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
    if (!out.contains(k)) out[k] = nullptr;
  }
  if (const auto* d = u->get_object().if_contains("prompt_tokens_details"); d && d->is_object()) {
    out["prompt_tokens_details"] = pick(d->get_object(), {"cached_tokens"});
  }
  return out;
}

json::array map_choices(const json::value* choices, bool chunk, bool chat) {
  json::array out;
  if (choices == nullptr || !choices->is_array()) return out;
  for (const auto& c : choices->get_array()) {
    if (!c.is_object()) continue;
    const auto& o = c.get_object();
    json::object choice{{"index", o.contains("index") ? o.at("index") : json::value(0)},
                        {"finish_reason", o.contains("finish_reason") ? o.at("finish_reason")
                                                                      : json::value(nullptr)}};
    if (chat) {
      const char* key = chunk ? "delta" : "message";
      const auto* m = o.if_contains(key);
      json::object message;
      if (m != nullptr && m->is_object()) {
        const auto& mo = m->get_object();
        message["role"] = mo.contains("role") ? mo.at("role")
                                              : json::value(chunk ? json::value(nullptr)
                                                                  : json::value("assistant"));
        message["content"] = mo.contains("content") ? mo.at("content") : json::value(nullptr);
        for (auto k : {"tool_calls", "refusal"}) {
          if (const auto* x = mo.if_contains(k); x && !x->is_null()) message[k] = *x;
        }
      }
      choice[key] = std::move(message);
    } else {
      choice["text"] = o.contains("text") ? o.at("text") : json::value("");
    }
    out.push_back(std::move(choice));
  }
  return out;
}

json::object detail_body(const Error& error) {
  if (!error.detail_json.empty()) {
    boost::system::error_code ec;
    auto detail = json::parse(error.detail_json, ec);
    if (!ec) return json::object{{"detail", std::move(detail)}};
  }
  return json::object{{"detail", error.message}};
}

}  // namespace

Result<void> MlflowApi::parse(model::Operation operation, std::string_view body,
                              model::Request& out) const {
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(body, ec, out.body.storage());
  if (ec) {
    Violations v;
    json::value empty = json::object{};
    v.add("json_invalid", {0}, "JSON decode error", &empty);
    return v.error();
  }
  if (!parsed.is_object()) {
    Violations v;
    v.add("model_attributes_type", {},
          "Input should be a valid dictionary or object to extract fields from", &parsed);
    return v.error();
  }
  out.operation = operation;
  out.body = std::move(parsed.get_object());
  const json::object& b = out.body;
  Violations v;
  check_common(v, b);
  // A templated endpoint builds messages/prompt from the body's fields when they are absent.
  const bool own = !out.templated;
  switch (operation) {
    case model::Operation::kChat:
      if (own || b.contains("messages")) check_messages(v, b);
      break;
    case model::Operation::kCompletions:
      if (own || b.contains("prompt")) check_prompt(v, b);
      break;
    case model::Operation::kEmbeddings:
      check_input(v, b);
      break;
    case model::Operation::kCustom:
      break;  // the endpoint's request template names what it needs
  }
  if (!v.empty()) return v.error();
  if (operation == model::Operation::kCustom) return {};  // any JSON object, as it is
  if (b.contains("model")) {
    // BaseProvider.check_for_model_field
    return Error::make(ErrorCode::kUnprocessable,
                       "The parameter 'model' is not permitted to be passed. The route being "
                       "queried already defines a model instance.");
  }
  if (const auto* s = b.if_contains("stream"); s && s->is_bool()) out.stream = s->get_bool();
  if (operation == model::Operation::kEmbeddings) out.stream = false;
  if (const auto* o = b.if_contains("stream_options"); o && o->is_object() && out.stream) {
    if (const auto* u = o->get_object().if_contains("include_usage"); u && u->is_bool())
      out.include_usage = u->get_bool();
  }
  if (const auto* f = b.if_contains("encoding_format"); f && f->is_string()) {
    out.embeddings_base64 = f->get_string() == "base64";
  }
  return {};
}

std::string MlflowApi::render_response(const model::Request& request,
                                       model::Response& response) const {
  const json::object& b = response.body;
  json::object out;
  switch (request.operation) {
    case model::Operation::kChat:
    case model::Operation::kCompletions: {
      const bool chat = request.operation == model::Operation::kChat;
      out = pick(b, {"id", "object", "created", "model"});
      out["object"] = chat ? "chat.completion" : "text_completion";
      out["choices"] = map_choices(b.if_contains("choices"), false, chat);
      out["usage"] = usage_of(b);
      break;
    }
    case model::Operation::kEmbeddings: {
      json::array data;
      if (const auto* d = b.if_contains("data"); d && d->is_array()) {
        for (const auto& item : d->get_array()) {
          if (item.is_object()) {
            json::object e = pick(item.get_object(), {"object", "embedding", "index"});
            e["object"] = "embedding";
            data.push_back(std::move(e));
          }
        }
      }
      out = json::object{{"object", "list"}, {"data", std::move(data)}};
      if (const auto* m = b.if_contains("model")) out["model"] = *m;
      json::object usage = usage_of(b);
      usage.erase("completion_tokens");
      out["usage"] = std::move(usage);
      break;
    }
    case model::Operation::kCustom:
      return json::serialize(b);  // the fields the endpoint's config picked from the answer
  }
  return json::serialize(out);
}

std::string MlflowApi::render_stream_event(const model::Request& request,
                                           model::StreamEvent& event) const {
  if (event.kind == model::StreamEvent::Kind::kUsage) return {};
  const bool chat = request.operation == model::Operation::kChat;
  // An Anthropic event relayed for Anthropic-shaped clients is not for this one.
  if (chat && openai::strip_anthropic_extras(event.chunk)) return {};
  json::object out = pick(event.chunk, {"id", "created", "model"});
  out["object"] = chat ? "chat.completion.chunk" : "text_completion_chunk";
  out["choices"] = map_choices(event.chunk.if_contains("choices"), true, chat);
  if (const auto* u = event.chunk.if_contains("usage"); u && u->is_object())
    out["usage"] = usage_of(event.chunk);
  return "data: " + json::serialize(out) + "\n\n";
}

std::string MlflowApi::render_error(const Error& error) const {
  if (error.code == ErrorCode::kRateLimited) {
    return json::serialize(json::object{{"error", error.message}});  // slowapi's handler
  }
  return json::serialize(detail_body(error));
}

std::string MlflowApi::render_stream_error(const Error& error) const {
  // MLflow's YAML server just drops the connection here; sluice says why, in the error-event
  // shape MLflow's newer gateway uses (`safe_stream`).
  return "data: " +
         json::serialize(
             json::object{{"error", {{"message", error.message}, {"type", openai_type(error)}}}}) +
         "\n\n";
}

Result<void> check_native_parameters(std::string_view provider, const model::Request& request) {
  struct Rename {
    std::string_view provider, ours, theirs;
  };
  // From MLflow's adapters' key mappings (mlflow/gateway/providers/*.py).
  static constexpr Rename kRenames[] = {
      {"anthropic", "max_tokens", "max_tokens_to_sample"},
      {"anthropic", "stop", "stop_sequences"},
      {"cohere", "stop", "stop_sequences"},
      {"cohere", "n", "num_generations"},
      {"huggingface-text-generation-inference", "max_tokens", "max_new_tokens"},
  };
  for (const auto& r : kRenames) {
    if (r.provider == provider && request.body.contains(r.theirs)) {
      return Error::make(ErrorCode::kUnprocessable, "Invalid parameter " + std::string(r.theirs) +
                                                        ". Use " + std::string(r.ours) +
                                                        " instead.");
    }
  }
  return {};
}

}  // namespace sluice::api::mlflow
