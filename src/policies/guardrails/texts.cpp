#include "policies/guardrails/texts.hpp"

#include <boost/json.hpp>

namespace sluice::policies::guardrail_texts {
namespace json = boost::json;

namespace {

Source source_of(std::string_view role) {
  if (role == "user") return Source::kUser;
  if (role == "assistant") return Source::kAssistant;
  if (role == "tool" || role == "function") return Source::kTool;
  return Source::kSystem;  // system, developer
}

// The text inside a block kept verbatim for Anthropic (a document, a search result, a server
// tool's result): every "text" string, and string "content", at any depth.
bool each_block_text(json::value& v, Source source, const Visit& visit, int depth) {
  if (depth > 16) return true;
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if ((kv.key() == "text" || kv.key() == "content") && kv.value().is_string()) {
        if (!visit(kv.value().get_string(), source)) return false;
      } else if (kv.key() != "signature" && kv.key() != "data" && kv.key() != "source") {
        if (!each_block_text(kv.value(), source, visit, depth + 1)) return false;
      }
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (!each_block_text(e, source, visit, depth + 1)) return false;
    }
  }
  return true;
}

bool each_content(json::value& content, Source source, const Visit& visit) {
  if (content.is_string()) return visit(content.get_string(), source);
  auto* parts = content.if_array();
  if (parts == nullptr) return true;
  for (auto& p : *parts) {
    auto* part = p.if_object();
    if (part == nullptr) continue;
    const auto* type = part->if_contains("type");
    const std::string_view t =
        type != nullptr && type->is_string() ? std::string_view(type->get_string()) : "";
    if (t == "text" || t == "input_text" || t == "output_text") {
      if (auto* text = part->if_contains("text"); text != nullptr && text->is_string()) {
        if (!visit(text->get_string(), source)) return false;
      }
    } else if (t == "anthropic_block") {
      if (auto* block = part->if_contains("block")) {
        if (!each_block_text(*block, source, visit, 0)) return false;
      }
    }
  }
  return true;
}

// The legacy single `function_call`'s arguments.
bool each_function_call(json::object& message, Source source, const Visit& visit) {
  auto* fc = message.if_contains("function_call");
  auto* args =
      fc != nullptr && fc->is_object() ? fc->get_object().if_contains("arguments") : nullptr;
  return args == nullptr || !args->is_string() ||
         visit_json_or_text(args->get_string(), source, visit);
}

bool each_tool_call(json::object& message, Source source, const Visit& visit) {
  auto* calls = message.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return true;
  for (auto& c : calls->get_array()) {
    auto* call = c.if_object();
    auto* fn = call != nullptr ? call->if_contains("function") : nullptr;
    auto* args =
        fn != nullptr && fn->is_object() ? fn->get_object().if_contains("arguments") : nullptr;
    if (args != nullptr && args->is_string() &&
        !visit_json_or_text(args->get_string(), source, visit))
      return false;
  }
  return true;
}

bool each_string(json::value& v, const Visit& visit) {
  if (v.is_string()) return visit(v.get_string(), Source::kUser);
  if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (e.is_string() && !visit(e.get_string(), Source::kUser)) return false;
    }
  }
  return true;
}

}  // namespace

bool each_request_text(json::object& body, model::Operation operation, const Visit& visit) {
  switch (operation) {
    case model::Operation::kCompletions:
      if (auto* p = body.if_contains("prompt")) return each_string(*p, visit);
      return true;
    case model::Operation::kEmbeddings:
      if (auto* p = body.if_contains("input")) return each_string(*p, visit);
      return true;
    case model::Operation::kCustom:
      return true;
    case model::Operation::kChat:
      break;
  }
  auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return true;
  for (auto& m : messages->get_array()) {
    auto* message = m.if_object();
    if (message == nullptr) continue;
    const auto* role = message->if_contains("role");
    const Source source =
        source_of(role != nullptr && role->is_string() ? std::string_view(role->get_string()) : "");
    if (auto* content = message->if_contains("content")) {
      if (!each_content(*content, source, visit)) return false;
    }
    if (!each_tool_call(*message, source, visit)) return false;
    if (!each_function_call(*message, source, visit)) return false;
  }
  return true;
}

namespace {

bool skipped_subtree(const json::object& o) {
  const auto* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) return false;
  const std::string_view t = type->get_string();
  return t == "thinking" || t == "redacted_thinking";  // signed by the provider
}

bool base64_payload(std::string_view s) {
  return s.starts_with("data:") && s.find(";base64,") != std::string_view::npos;
}

bool each_data_string(json::value& v, Source source, const Visit& visit, int depth);

bool each_data_member(json::object& o, Source source, const Visit& visit, int depth) {
  if (skipped_subtree(o)) return true;
  const auto* type = o.if_contains("type");
  const bool base64 = type != nullptr && type->is_string() && type->get_string() == "base64";
  for (auto& kv : o) {
    const std::string_view k = kv.key();
    if (k == "model" || k == "role" || k == "type" || k == "signature" || k == "thinking_blocks" ||
        k == "media_type" || (k == "data" && base64))
      continue;
    json::value& v = kv.value();
    if (v.is_string()) {
      if (base64_payload(v.get_string())) continue;
      if (k == "arguments") {
        if (!visit_json_or_text(v.get_string(), source, visit)) return false;
      } else if (!visit(v.get_string(), source)) {
        return false;
      }
    } else if (!each_data_string(v, source, visit, depth + 1)) {
      return false;
    }
  }
  return true;
}

bool each_data_string(json::value& v, Source source, const Visit& visit, int depth) {
  if (depth > 64) return true;
  if (v.is_string()) return base64_payload(v.get_string()) || visit(v.get_string(), source);
  if (auto* o = v.if_object()) return each_data_member(*o, source, visit, depth);
  if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (!each_data_string(e, source, visit, depth + 1)) return false;
    }
  }
  return true;
}

bool each_json_string(json::value& v, const std::function<bool(json::string&)>& f, int depth) {
  if (depth > 64) return true;
  if (v.is_string()) return f(v.get_string());
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (!each_json_string(kv.value(), f, depth + 1)) return false;
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (!each_json_string(e, f, depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

bool visit_json_or_text(json::string& text, Source source, const Visit& visit) {
  const std::string_view t(text.data(), text.size());
  const auto first = t.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || (t[first] != '{' && t[first] != '['))
    return visit(text, source);
  boost::system::error_code ec;
  json::value parsed = json::parse(t, ec);
  if (ec) return visit(text, source);
  bool changed = false;
  const bool go = each_json_string(
      parsed,
      [&](json::string& s) {
        const std::string before(s.data(), s.size());
        if (!visit(s, source)) return false;
        changed = changed || std::string_view(s.data(), s.size()) != before;
        return true;
      },
      0);
  if (changed) text = json::serialize(parsed);
  return go;
}

bool each_request_string(json::object& body, const Visit& visit) {
  return each_data_member(body, Source::kUser, visit, 0);
}

bool each_answer_text(json::object& body, const Visit& visit) {
  auto* choices = body.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return true;
  for (auto& c : choices->get_array()) {
    auto* choice = c.if_object();
    if (choice == nullptr) continue;
    if (auto* text = choice->if_contains("text"); text != nullptr && text->is_string()) {
      if (!visit(text->get_string(), Source::kAssistant)) return false;
    }
    auto* message = choice->if_contains("message");
    if (message == nullptr || !message->is_object()) continue;
    if (!each_data_member(message->get_object(), Source::kAssistant, visit, 0)) return false;
  }
  return true;
}

}  // namespace sluice::policies::guardrail_texts
