#include "model/stream_assembly.hpp"

#include <boost/json.hpp>
#include <map>
#include <string>

#include "model/usage.hpp"

namespace sluice::model {
namespace json = boost::json;

namespace {

std::size_t index_of(const json::object& o) {
  const auto* i = o.if_contains("index");
  return i != nullptr && i->is_int64() && i->get_int64() >= 0
             ? static_cast<std::size_t>(i->get_int64())
             : 0;
}

void append_string(json::object& into, std::string_view key, const json::value* piece) {
  if (piece == nullptr || !piece->is_string()) return;
  auto& slot = into[key];
  if (!slot.is_string()) slot = "";
  slot.get_string().append(piece->get_string());
}

struct Choice {
  json::object message{{"role", "assistant"}};
  std::string text;
  std::map<std::size_t, json::object> tool_calls;
  json::value finish_reason = nullptr;
  json::value logprobs = nullptr;
  bool has_content = false;
  json::array thinking_blocks;
  std::size_t thought = 0;  // reasoning_content already in a thinking block
};

// A `thinking_blocks` delta (see assemble_response in the header).
void add_thinking(Choice& into, const json::value& blocks) {
  if (!blocks.is_array()) return;
  for (const auto& b : blocks.get_array()) {
    const json::object* block = b.if_object();
    if (block == nullptr) continue;
    const json::value* type = block->if_contains("type");
    if (type != nullptr && *type == "thinking" && !block->contains("thinking")) {
      const json::value* all = into.message.if_contains("reasoning_content");
      const std::string_view text = all != nullptr && all->is_string()
                                        ? std::string_view(all->get_string())
                                        : std::string_view();
      json::object whole{{"type", "thinking"}, {"thinking", text.substr(into.thought)}};
      for (const auto& kv : *block) {
        if (kv.key() != "type") whole[kv.key()] = kv.value();
      }
      into.thought = text.size();
      into.thinking_blocks.push_back(std::move(whole));
    } else {
      into.thinking_blocks.push_back(b);
    }
  }
}

}  // namespace

Response assemble_response(const std::vector<StreamEvent>& events, Operation operation) {
  const bool chat = operation == Operation::kChat;
  Response out;
  std::map<std::size_t, Choice> choices;
  bool head = false;
  for (const auto& e : events) {
    if (!e.usage.empty()) out.usage = e.usage;
    const json::object& c = e.chunk;
    if (!head && !c.empty()) {
      head = true;
      for (const char* k : {"id", "created", "model", "system_fingerprint"}) {
        if (const auto* v = c.if_contains(k)) out.body[k] = *v;
      }
    }
    const auto* list = c.if_contains("choices");
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& item : list->get_array()) {
      if (!item.is_object()) continue;
      const json::object& choice = item.get_object();
      Choice& into = choices[index_of(choice)];
      if (const auto* f = choice.if_contains("finish_reason"); f != nullptr && !f->is_null())
        into.finish_reason = *f;
      if (!chat) {
        if (const auto* t = choice.if_contains("text"); t != nullptr && t->is_string())
          into.text.append(t->get_string());
        continue;
      }
      const auto* d = choice.if_contains("delta");
      if (d == nullptr || !d->is_object()) continue;
      const json::object& delta = d->get_object();
      if (const auto* r = delta.if_contains("role"); r != nullptr && r->is_string())
        into.message["role"] = *r;
      if (const auto* content = delta.if_contains("content");
          content != nullptr && content->is_string()) {
        into.has_content = true;
        into.text.append(content->get_string());
      }
      append_string(into.message, "refusal", delta.if_contains("refusal"));
      append_string(into.message, "reasoning_content", delta.if_contains("reasoning_content"));
      if (const auto* t = delta.if_contains("thinking_blocks")) add_thinking(into, *t);
      const auto* calls = delta.if_contains("tool_calls");
      if (calls == nullptr || !calls->is_array()) continue;
      for (const auto& call : calls->get_array()) {
        if (!call.is_object()) continue;
        json::object& tc = into.tool_calls[index_of(call.get_object())];
        for (const char* k : {"id", "type"}) {
          if (const auto* v = call.get_object().if_contains(k); v != nullptr && v->is_string())
            tc[k] = *v;
        }
        const auto* fn = call.get_object().if_contains("function");
        if (fn == nullptr || !fn->is_object()) continue;
        auto& f = tc["function"];
        if (!f.is_object()) f = json::object{{"name", ""}, {"arguments", ""}};
        append_string(f.get_object(), "name", fn->get_object().if_contains("name"));
        append_string(f.get_object(), "arguments", fn->get_object().if_contains("arguments"));
      }
    }
  }
  out.body["object"] = chat ? "chat.completion" : "text_completion";
  json::array list;
  for (auto& [index, c] : choices) {
    json::object choice{{"index", index}};
    if (chat) {
      c.message["content"] =
          c.has_content || c.tool_calls.empty() ? json::value(c.text) : json::value(nullptr);
      if (!c.tool_calls.empty()) {
        json::array calls;
        for (auto& [i, tc] : c.tool_calls) calls.push_back(std::move(tc));
        c.message["tool_calls"] = std::move(calls);
      }
      if (!c.thinking_blocks.empty()) c.message["thinking_blocks"] = std::move(c.thinking_blocks);
      choice["message"] = std::move(c.message);
    } else {
      choice["text"] = c.text;
    }
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = c.finish_reason;
    list.push_back(std::move(choice));
  }
  out.body["choices"] = std::move(list);
  if (!out.usage.empty()) out.body["usage"] = usage_to_openai(out.usage);
  return out;
}

std::vector<StreamEvent> split_response(const Response& response, Operation operation) {
  const bool chat = operation == Operation::kChat;
  std::vector<StreamEvent> events;
  json::object base;
  for (const char* k : {"id", "created", "model", "system_fingerprint"}) {
    if (const auto* v = response.body.if_contains(k)) base[k] = *v;
  }
  base["object"] = chat ? "chat.completion.chunk" : "text_completion";
  if (const auto* list = response.body.if_contains("choices");
      list != nullptr && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (!item.is_object()) continue;
      const json::object& choice = item.get_object();
      json::object out{{"index", index_of(choice)}};
      if (chat) {
        json::object delta;
        if (const auto* m = choice.if_contains("message"); m != nullptr && m->is_object()) {
          delta = m->get_object();
          if (auto* calls = delta.if_contains("tool_calls");
              calls != nullptr && calls->is_array()) {
            std::size_t i = 0;
            for (auto& call : calls->get_array()) {
              if (call.is_object()) call.get_object()["index"] = i;
              ++i;
            }
          }
        }
        out["delta"] = std::move(delta);
      } else {
        const auto* t = choice.if_contains("text");
        out["text"] = t != nullptr ? *t : json::value("");
      }
      out["logprobs"] = nullptr;
      const auto* f = choice.if_contains("finish_reason");
      out["finish_reason"] = f != nullptr ? *f : json::value(nullptr);
      StreamEvent e;
      e.chunk = base;
      e.chunk["choices"] = json::array{std::move(out)};
      events.push_back(std::move(e));
    }
  }
  if (!response.usage.empty()) {
    StreamEvent e;
    e.kind = StreamEvent::Kind::kUsage;
    e.chunk = base;
    e.chunk["choices"] = json::array();
    e.chunk["usage"] = usage_to_openai(response.usage);
    e.usage = response.usage;
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace sluice::model
