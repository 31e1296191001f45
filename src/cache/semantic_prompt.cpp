#include "cache/semantic_prompt.hpp"

#include <boost/json.hpp>

#include "cache/cache_key.hpp"

namespace sluice::cache {
namespace json = boost::json;

namespace {

// The text of a message's content: a string, or text parts only; nullopt for anything else.
std::optional<std::string> text_of(const json::value* content) {
  if (content == nullptr) return std::nullopt;
  if (content->is_string()) return std::string(content->get_string());
  if (!content->is_array()) return std::nullopt;
  std::string out;
  for (const auto& part : content->get_array()) {
    const auto* o = part.if_object();
    const auto* type = o != nullptr ? o->if_contains("type") : nullptr;
    const auto* text = o != nullptr ? o->if_contains("text") : nullptr;
    if (type == nullptr || !type->is_string() || type->get_string() != "text" || text == nullptr ||
        !text->is_string())
      return std::nullopt;
    if (!out.empty()) out += '\n';
    out += text->get_string();
  }
  return out;
}

std::string_view role_of(const json::object& m) {
  const auto* r = m.if_contains("role");
  return r != nullptr && r->is_string() ? std::string_view(r->get_string()) : std::string_view();
}

}  // namespace

std::optional<SemanticPrompt> semantic_prompt(const model::Request& request,
                                              const config::CacheSpec& spec,
                                              std::string_view identity, std::string_view scope) {
  if (request.operation != model::Operation::kChat) return std::nullopt;
  if (temperature_of(request) > spec.temperature_max.value_or(0)) return std::nullopt;
  const auto* list = request.body.if_contains("messages");
  if (list == nullptr || !list->is_array() || list->get_array().empty() ||
      list->get_array().size() > spec.max_messages)
    return std::nullopt;
  const json::array& messages = list->get_array();
  SemanticPrompt out;
  json::array earlier;  // the turns before the last one (system prompt included): in the context
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto* m = messages[i].if_object();
    if (m == nullptr || m->contains("tool_calls") || m->contains("function_call"))
      return std::nullopt;
    const std::string_view role = role_of(*m);
    if (role == "tool" || role == "function") return std::nullopt;
    auto text = text_of(m->if_contains("content"));
    if (!text) return std::nullopt;
    const bool last = i + 1 == messages.size();
    if (last) {
      if (role != "user") return std::nullopt;
      out.text = std::move(*text);
    } else if ((role == "system" || role == "developer") && spec.ignore_system) {
      continue;
    } else {
      earlier.push_back(messages[i]);
    }
  }
  // The context: the request without its messages, plus the earlier turns, keyed as exactly as
  // the exact cache keys a whole request.
  model::Request rest;
  rest.operation = request.operation;
  rest.anthropic_version = request.anthropic_version;
  rest.anthropic_beta = request.anthropic_beta;
  for (const auto& kv : request.body) {
    if (kv.key() != "messages") rest.body.emplace(kv.key(), kv.value());
  }
  rest.body["messages"] = std::move(earlier);
  out.context = cache_key(rest, identity, scope);
  return out;
}

}  // namespace sluice::cache
