#include "providers/anthropic_fields.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace sluice::providers {
namespace json = boost::json;

namespace {

// gemini/translate.hpp's kThoughtSignatureMark (providers below it may not include it).
constexpr std::string_view kThoughtMark = "__thought__";

void note(std::vector<std::string>& dropped, std::string_view name) {
  if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) dropped.emplace_back(name);
}

void erase(json::object& o, std::string_view key, std::vector<std::string>& dropped) {
  if (o.erase(key) > 0) note(dropped, key);
}

bool marked(const json::value& v) {
  const json::object* o = v.if_object();
  return o != nullptr && o->contains("cache_control");
}

bool any_marked(const json::value* list) {
  if (list == nullptr || !list->is_array()) return false;
  const auto& a = list->get_array();
  return std::any_of(a.begin(), a.end(), marked);
}

// A tool message's content for providers that take text: text parts joined, "Error: " in front
// when the tool failed.
Result<void> plain_tool_result(json::object& msg, std::size_t index, std::string_view provider,
                               std::vector<std::string>& dropped) {
  const json::value* e = msg.if_contains("is_error");
  const bool failed = e != nullptr && e->is_bool() && e->get_bool();
  erase(msg, "is_error", dropped);
  json::value* content = msg.if_contains("content");
  std::string text;
  if (content != nullptr && content->is_array()) {
    for (const auto& p : content->get_array()) {
      const json::object* part = p.if_object();
      const json::value* type = part != nullptr ? part->if_contains("type") : nullptr;
      const json::value* t = part != nullptr ? part->if_contains("text") : nullptr;
      if (type != nullptr && *type == "text" && t != nullptr && t->is_string()) {
        if (!text.empty()) text += '\n';
        text += t->get_string();
      } else {
        return Error::invalid("messages[" + std::to_string(index) +
                                  "]: a tool result with images or documents can go only to "
                                  "an anthropic endpoint; provider '" +
                                  std::string(provider) + "' takes text tool results",
                              "messages");
      }
    }
  } else if (content != nullptr && content->is_string()) {
    text = content->get_string();
  } else if (!failed) {
    return {};
  }
  msg["content"] = failed ? "Error: " + text : text;
  return {};
}

// Whether a list holds an item of `type` (an anthropic_block part, an anthropic_tool).
bool any_of_type(const json::value* list, std::string_view type) {
  if (list == nullptr || !list->is_array()) return false;
  const auto& a = list->get_array();
  return std::any_of(a.begin(), a.end(), [&](const json::value& v) {
    const json::object* o = v.if_object();
    const json::value* t = o != nullptr ? o->if_contains("type") : nullptr;
    return t != nullptr && t->is_string() && t->get_string() == type;
  });
}

// The type of an anthropic_block part's block, for the names said to the client.
std::string block_type(const json::object& part) {
  const json::value* b = part.if_contains("block");
  const json::value* t =
      b != nullptr && b->is_object() ? b->get_object().if_contains("type") : nullptr;
  return t != nullptr && t->is_string() ? std::string(t->get_string()) : "anthropic_block";
}

// anthropic_block parts out of a message's content: left out of an assistant turn (a server
// tool's trace, which the next provider does not need), a 400 elsewhere (a document or search
// result the provider would never see). Text parts left alone.
Result<void> without_blocks(json::object& msg, std::size_t index, std::string_view provider,
                            std::vector<std::string>& dropped) {
  json::value* content = msg.if_contains("content");
  if (content == nullptr || !content->is_array()) return {};
  const bool assistant = msg.contains("role") && msg.at("role") == "assistant";
  json::array& parts = content->get_array();
  for (auto it = parts.begin(); it != parts.end();) {
    const json::object* part = it->if_object();
    if (part == nullptr || !part->contains("type") || part->at("type") != "anthropic_block") {
      ++it;
      continue;
    }
    const std::string type = block_type(*part);
    if (type == "text") {
      // Cited text: the words stay, the citations go (named).
      const json::value& block = part->at("block");
      const json::value* text = block.get_object().if_contains("text");
      note(dropped, "citations");
      *it = json::object{{"type", "text"},
                         {"text", text != nullptr && text->is_string() ? *text : json::value("")}};
      ++it;
      continue;
    }
    if (!assistant) {
      return Error::invalid("messages[" + std::to_string(index) + "]: a '" + type +
                                "' block can go only to an anthropic endpoint; provider '" +
                                std::string(provider) + "' cannot take it",
                            "messages");
    }
    note(dropped, type);
    it = parts.erase(it);
  }
  // An assistant turn left with only its tool calls has no content, as OpenAI wants it.
  if (assistant && parts.empty() && msg.contains("tool_calls")) *content = nullptr;
  return {};
}

// The reasoning effort of about the same budget as Anthropic's `thinking` parameter (the steps of
// translate_request's reasoning_effort table); "none" when it is off; nullopt when unreadable.
std::optional<std::string_view> effort_of(const json::value& thinking) {
  const json::object* t = thinking.if_object();
  const json::value* type = t != nullptr ? t->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string()) return std::nullopt;
  if (*type == "disabled") return "none";
  const json::value* budget = t->if_contains("budget_tokens");
  if (*type != "enabled" || budget == nullptr || !budget->is_number()) return std::nullopt;
  const double b = budget->to_number<double>();
  return b < 2048 ? "low" : b < 4096 ? "medium" : b < 8192 ? "high" : "xhigh";
}

// A copy of `request` with its body on the heap, marked as carrying no Anthropic-only field.
// Field by field, so that the body is copied once. (A new model::Request member goes here.)
model::Request heap_copy(const model::Request& request) {
  return model::Request{request.operation,
                        request.endpoint,
                        json::object(request.body, json::storage_ptr()),
                        request.stream,
                        request.include_usage,
                        request.embeddings_base64,
                        request.templated,
                        false,
                        request.anthropic_beta,
                        request.anthropic_version,
                        request.responses};
}

bool thought_id(const json::value* id) {
  return id != nullptr && id->is_string() &&
         id->get_string().find(kThoughtMark) != json::string_view::npos;
}

// Whether a message's tool_call_id or one of its tool calls' ids carries a thought signature.
bool thought_ids_in(const json::object& msg) {
  if (thought_id(msg.if_contains("tool_call_id"))) return true;
  const json::value* calls = msg.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return false;
  for (const auto& c : calls->get_array()) {
    if (c.is_object() && thought_id(c.get_object().if_contains("id"))) return true;
  }
  return false;
}

bool has_thought_ids(const json::object& body) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return false;
  for (const auto& m : messages->get_array()) {
    if (m.is_object() && thought_ids_in(m.get_object())) return true;
  }
  return false;
}

void cut_thought(json::value* id) {
  if (!thought_id(id)) return;
  const json::string_view s = id->get_string();
  *id = std::string(s.substr(0, s.find(kThoughtMark)));
}

void strip_thought_ids(json::object& body) {
  json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return;
  for (auto& m : messages->get_array()) {
    json::object* msg = m.if_object();
    if (msg == nullptr) continue;
    cut_thought(msg->if_contains("tool_call_id"));
    json::value* calls = msg->if_contains("tool_calls");
    if (calls == nullptr || !calls->is_array()) continue;
    for (auto& c : calls->get_array()) {
      if (c.is_object()) cut_thought(c.get_object().if_contains("id"));
    }
  }
}

}  // namespace

void use_client_anthropic_version(UpstreamRequest& wire, std::string_view version) {
  if (version.empty()) return;
  for (auto& [name, value] : wire.headers) {
    if (name == "anthropic-version") value = version;
  }
}

bool carries_anthropic_fields(const json::object& body) {
  // One pass over the messages (below) and one over the tools: this runs on every chat request.
  if (body.contains("thinking") || body.contains("container") || body.contains("mcp_servers"))
    return true;
  if (const json::value* tools = body.if_contains("tools"); tools && tools->is_array()) {
    for (const auto& t : tools->get_array()) {
      const json::object* tool = t.if_object();
      if (tool == nullptr) continue;
      const json::value* type = tool->if_contains("type");
      if (tool->contains("cache_control") || (type != nullptr && *type == "anthropic_tool"))
        return true;
    }
  }
  if (const auto* tier = body.if_contains("service_tier"); tier && *tier == "standard_only")
    return true;
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return false;
  for (const auto& m : messages->get_array()) {
    const json::object* msg = m.if_object();
    if (msg == nullptr) continue;
    if (msg->contains("cache_control") || msg->contains("thinking_blocks") ||
        msg->contains("reasoning_content") || msg->contains("is_error") ||
        any_marked(msg->if_contains("content")) || any_marked(msg->if_contains("tool_calls")) ||
        any_of_type(msg->if_contains("content"), "anthropic_block") || thought_ids_in(*msg)) {
      return true;
    }
  }
  return false;
}

Result<std::optional<model::Request>> request_for(const model::Request& request,
                                                  const ProviderAdapter& adapter,
                                                  std::vector<std::string>& dropped) {
  using Taken = ProviderAdapter::AnthropicFields;
  if (!request.anthropic_fields) return std::optional<model::Request>();
  const Taken taken = adapter.anthropic_fields_taken();
  const bool ids = !adapter.keeps_thought_signatures() && has_thought_ids(request.body);
  if (taken == Taken::kAll && !ids) return std::optional<model::Request>();
  std::optional<model::Request> out;
  if (taken == Taken::kAll) {
    out.emplace(heap_copy(request));
    out->anthropic_fields = true;
  } else {
    auto plain = without_anthropic_fields(request, adapter.provider(), dropped,
                                          taken == Taken::kCacheControl);
    if (!plain) return plain.error();
    out.emplace(std::move(*plain));
  }
  if (ids) strip_thought_ids(out->body);
  return out;
}

Result<model::Request> without_anthropic_fields(const model::Request& request,
                                                std::string_view provider,
                                                std::vector<std::string>& dropped,
                                                bool keep_cache_control) {
  // The cache markers stay for a provider that reads them (Bedrock's cachePoint).
  auto unmark = [&](json::object& o) {
    if (!keep_cache_control) erase(o, "cache_control", dropped);
  };
  model::Request out = heap_copy(request);
  if (auto* messages = out.body.if_contains("messages"); messages && messages->is_array()) {
    std::size_t index = 0;
    for (auto& m : messages->get_array()) {
      json::object* msg = m.if_object();
      ++index;
      if (msg == nullptr) continue;
      unmark(*msg);
      erase(*msg, "thinking_blocks", dropped);
      erase(*msg, "reasoning_content", dropped);
      if (const auto* role = msg->if_contains("role"); role && *role == "tool") {
        // The tool result's text parts become one text: a marker on one of them goes on the
        // message, for a provider that keeps markers.
        json::value marker;  // copied out before the message is changed
        if (const auto* content = msg->if_contains("content"); keep_cache_control &&
                                                               !msg->contains("cache_control") &&
                                                               content && content->is_array()) {
          for (const auto& p : content->get_array()) {
            if (marked(p)) {
              marker = p.get_object().at("cache_control");
              break;
            }
          }
        }
        if (!marker.is_null()) (*msg)["cache_control"] = std::move(marker);
        if (auto r = plain_tool_result(*msg, index - 1, provider, dropped); !r) return r.error();
      }
      if (auto r = without_blocks(*msg, index - 1, provider, dropped); !r) return r.error();
      if (auto* content = msg->if_contains("content"); content && content->is_array()) {
        for (auto& p : content->get_array()) {
          if (auto* part = p.if_object()) unmark(*part);
        }
      }
      if (auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
        for (auto& c : calls->get_array()) {
          if (auto* call = c.if_object()) unmark(*call);
        }
      }
    }
  }
  if (auto* tools = out.body.if_contains("tools"); tools && tools->is_array()) {
    json::array& list = tools->get_array();
    for (auto it = list.begin(); it != list.end();) {
      json::object* tool = it->if_object();
      if (tool != nullptr && tool->contains("type") && tool->at("type") == "anthropic_tool") {
        // A server tool runs at Anthropic: elsewhere the model works without it (named).
        const json::value* t = tool->if_contains("tool");
        const json::value* type =
            t != nullptr && t->is_object() ? t->get_object().if_contains("type") : nullptr;
        note(dropped, type != nullptr && type->is_string() ? std::string_view(type->get_string())
                                                           : std::string_view("anthropic_tool"));
        it = list.erase(it);
        continue;
      }
      if (tool != nullptr) unmark(*tool);
      ++it;
    }
    if (list.empty()) {
      out.body.erase("tools");
      out.body.erase("tool_choice");
      out.body.erase("parallel_tool_calls");
    }
  }
  if (!keep_cache_control) {
    // Anthropic's `thinking` (Claude on Bedrock takes it as it is): Gemini thinks by a reasoning
    // effort of about the same budget; OpenAI-dialect servers, many of which refuse a
    // reasoning_effort their model lacks, get neither (named).
    if (const json::value* thinking = out.body.if_contains("thinking")) {
      std::optional<std::string_view> effort = effort_of(*thinking);
      const bool gemini = provider == "gemini" || provider == "vertex_ai";
      if (gemini && effort && !out.body.contains("reasoning_effort"))
        out.body["reasoning_effort"] = *effort;
      else
        note(dropped, "thinking");
      out.body.erase("thinking");
    }
  }
  erase(out.body, "container", dropped);
  erase(out.body, "mcp_servers", dropped);
  if (const auto* tier = out.body.if_contains("service_tier"); tier && *tier == "standard_only")
    erase(out.body, "service_tier", dropped);
  return out;
}

}  // namespace sluice::providers
