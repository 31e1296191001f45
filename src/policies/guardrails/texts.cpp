#include "policies/guardrails/texts.hpp"

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
  return args == nullptr || !args->is_string() || visit(args->get_string(), source);
}

bool each_tool_call(json::object& message, Source source, const Visit& visit) {
  auto* calls = message.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return true;
  for (auto& c : calls->get_array()) {
    auto* call = c.if_object();
    auto* fn = call != nullptr ? call->if_contains("function") : nullptr;
    auto* args =
        fn != nullptr && fn->is_object() ? fn->get_object().if_contains("arguments") : nullptr;
    if (args != nullptr && args->is_string() && !visit(args->get_string(), source)) return false;
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

namespace {

bool each_string_in(json::value& v, const Visit& visit, int depth) {
  if (depth > 64) return true;
  if (v.is_string()) return visit(v.get_string(), Source::kUser);
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (!each_string_in(kv.value(), visit, depth + 1)) return false;
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (!each_string_in(e, visit, depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

bool each_string_anywhere(json::object& body, const Visit& visit) {
  for (auto& kv : body) {
    if (kv.key() == "model") continue;  // the endpoint's name, not the client's text
    if (!each_string_in(kv.value(), visit, 0)) return false;
  }
  return true;
}

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
    if (auto* content = message->get_object().if_contains("content")) {
      if (!each_content(*content, Source::kAssistant, visit)) return false;
    }
    if (!each_tool_call(message->get_object(), Source::kAssistant, visit)) return false;
    if (!each_function_call(message->get_object(), Source::kAssistant, visit)) return false;
    // Reasoning the provider shows (unsigned text; a signed thinking block is left alone).
    if (auto* r = message->get_object().if_contains("reasoning_content"); r && r->is_string()) {
      if (!visit(r->get_string(), Source::kAssistant)) return false;
    }
  }
  return true;
}

}  // namespace sluice::policies::guardrail_texts
