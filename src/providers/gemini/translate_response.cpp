// Gemini generateContent / batchEmbedContents answers → OpenAI chat.completion, text_completion
// and embeddings list.
#include <boost/json.hpp>
#include <ctime>

#include "providers/gemini/translate.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {

std::optional<std::uint64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

}  // namespace

std::string_view finish_reason(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" ||
      r == "SPII" || r == "IMAGE_SAFETY" || r == "LANGUAGE") {
    return "content_filter";
  }
  return "stop";  // STOP, FINISH_REASON_UNSPECIFIED, OTHER, MALFORMED_FUNCTION_CALL
}

model::Usage usage_from_gemini(const json::object& m) {
  model::Usage u;
  u.prompt_tokens = count(m, "promptTokenCount");
  const auto candidates = count(m, "candidatesTokenCount");
  const auto thoughts = count(m, "thoughtsTokenCount");
  // OpenAI's completion tokens include reasoning; Gemini counts its thoughts apart.
  if (candidates || thoughts) u.completion_tokens = candidates.value_or(0) + thoughts.value_or(0);
  u.reasoning_tokens = thoughts;
  u.cached_tokens = count(m, "cachedContentTokenCount");
  u.total_tokens = count(m, "totalTokenCount");
  if (!u.total_tokens && (u.prompt_tokens || u.completion_tokens))
    u.total_tokens = u.prompt_tokens.value_or(0) + u.completion_tokens.value_or(0);
  return u;
}

CandidateParts read_candidate(const json::object& response, std::size_t first_tool) {
  CandidateParts out;
  const json::value* candidates = response.if_contains("candidates");
  if (candidates == nullptr || !candidates->is_array() || candidates->get_array().empty()) {
    const json::value* feedback = response.if_contains("promptFeedback");
    out.blocked = feedback != nullptr && feedback->is_object() &&
                  feedback->get_object().contains("blockReason");
    if (out.blocked) out.finish = "content_filter";
    return out;
  }
  const json::object* candidate = candidates->get_array()[0].if_object();
  if (candidate == nullptr) return out;
  const json::value* content = candidate->if_contains("content");
  const json::value* parts = content != nullptr && content->is_object()
                                 ? content->get_object().if_contains("parts")
                                 : nullptr;
  if (parts != nullptr && parts->is_array()) {
    for (const auto& p : parts->get_array()) {
      const json::object* part = p.if_object();
      if (part == nullptr) continue;
      if (const auto* thought = part->if_contains("thought"); thought && *thought == true) {
        if (const auto* text = part->if_contains("text"); text && text->is_string())
          out.reasoning += text->get_string();
        continue;
      }
      if (const auto* text = part->if_contains("text"); text && text->is_string()) {
        out.text += text->get_string();
      } else if (const auto* call = part->if_contains("functionCall"); call && call->is_object()) {
        const auto& c = call->get_object();
        const json::value* args = c.if_contains("args");
        std::string id = "call_" + std::to_string(first_tool + out.tool_calls.size());
        if (const auto* given = c.if_contains("id"); given && given->is_string())
          id = given->get_string();
        if (const auto* sig = part->if_contains("thoughtSignature");
            sig && sig->is_string() && !sig->get_string().empty()) {
          id += kThoughtSignatureMark;
          id += sig->get_string();
        }
        out.tool_calls.push_back(json::object{
            {"id", id},
            {"type", "function"},
            {"function",
             {{"name", c.contains("name") ? c.at("name") : json::value("")},
              {"arguments", args != nullptr ? json::serialize(*args) : std::string("{}")}}}});
      }
    }
  }
  if (const auto* f = candidate->if_contains("finishReason"); f && f->is_string()) {
    out.finish = finish_reason(f->get_string());
  }
  return out;
}

Result<model::Response> from_generate_response(const model::Request& request, json::object body,
                                               const std::string& model) {
  CandidateParts parts = read_candidate(body, 0);
  std::string finish = parts.finish.empty() ? "stop" : parts.finish;
  if (!parts.tool_calls.empty() && finish == "stop") finish = "tool_calls";
  model::Response response;
  if (const auto* u = body.if_contains("usageMetadata"); u && u->is_object())
    response.usage = usage_from_gemini(u->get_object());
  json::object out(request.body.storage());
  const json::value* id = body.if_contains("responseId");
  out["id"] = id != nullptr && id->is_string() ? *id : json::value("gemini");
  const bool chat = request.operation == model::Operation::kChat;
  out["object"] = chat ? "chat.completion" : "text_completion";
  out["created"] = static_cast<std::int64_t>(std::time(nullptr));
  const json::value* version = body.if_contains("modelVersion");
  out["model"] = version != nullptr && version->is_string() ? *version : json::value(model);
  if (chat) {
    json::object msg{{"role", "assistant"}};
    msg["content"] = parts.text.empty() && !parts.tool_calls.empty() ? json::value(nullptr)
                                                                     : json::value(parts.text);
    if (!parts.tool_calls.empty()) msg["tool_calls"] = std::move(parts.tool_calls);
    if (!parts.reasoning.empty()) msg["reasoning_content"] = std::move(parts.reasoning);
    out["choices"] = json::array{
        json::object{{"index", 0}, {"message", std::move(msg)}, {"finish_reason", finish}}};
  } else {
    out["choices"] = json::array{json::object{
        {"index", 0}, {"text", parts.text}, {"finish_reason", finish}, {"logprobs", nullptr}}};
  }
  if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
  response.body = std::move(out);
  return response;
}

Result<model::Response> from_embed_response(const model::Request& request, json::object body,
                                            const std::string& model) {
  const json::value* embeddings = body.if_contains("embeddings");
  if (embeddings == nullptr || !embeddings->is_array()) {
    Error e = Error::make(ErrorCode::kUpstreamUnavailable, "provider returned no embeddings");
    e.provider = "gemini";
    return e;
  }
  json::array data;
  std::int64_t index = 0;
  for (const auto& e : embeddings->get_array()) {
    const json::value* values = e.is_object() ? e.get_object().if_contains("values") : nullptr;
    data.push_back(
        json::object{{"object", "embedding"},
                     {"index", index++},
                     {"embedding", values != nullptr ? *values : json::value(json::array{})}});
  }
  model::Response response;
  response.body = json::object(request.body.storage());
  response.body["object"] = "list";
  response.body["data"] = std::move(data);
  response.body["model"] = model;
  return response;
}

}  // namespace sluice::providers::gemini
