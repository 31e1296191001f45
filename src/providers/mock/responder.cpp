#include "providers/mock/responder.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace sluice::providers::mock {
namespace json = boost::json;

namespace {

std::uint64_t count_words(std::string_view text) {
  std::uint64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// Words of every string inside `v` (message contents, prompts, inputs).
std::uint64_t count_words(const json::value& v) {
  if (v.is_string()) return count_words(std::string_view(v.get_string()));
  std::uint64_t n = 0;
  if (v.is_array()) {
    for (const auto& e : v.get_array()) n += e.is_number() ? 1 : count_words(e);
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.get_object()) {
      if (k != "role" && k != "type") n += count_words(e);
    }
  }
  return n;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t seed = 1469598103934665603ull) {
  std::uint64_t h = seed;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Splits `text` into `n` pieces at word boundaries (pieces keep their leading space).
std::vector<std::string> split_text(const std::string& text, std::optional<unsigned> n) {
  std::vector<std::string> words;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      words.push_back(text.substr(start, i - start));
      start = i;
    }
  }
  if (words.empty()) words.emplace_back();
  unsigned pieces = n.value_or(static_cast<unsigned>(words.size()));
  if (pieces == 0) pieces = 1;
  std::vector<std::string> out(pieces);
  for (std::size_t i = 0; i < words.size(); ++i) out[i * pieces / words.size()] += words[i];
  return out;
}

std::string last_user_message(const json::object& body) {
  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return {};
  const auto& arr = messages->get_array();
  for (auto it = arr.rbegin(); it != arr.rend(); ++it) {
    if (!it->is_object()) continue;
    const auto& m = it->get_object();
    const auto* role = m.if_contains("role");
    if (role == nullptr || !role->is_string() || role->get_string() != "user") continue;
    const auto* content = m.if_contains("content");
    if (content != nullptr && content->is_string()) return std::string(content->get_string());
    if (content != nullptr && content->is_array()) {
      std::string text;
      for (const auto& part : content->get_array()) {
        if (const auto* t = part.is_object() ? part.get_object().if_contains("text") : nullptr;
            t && t->is_string()) {
          text += t->get_string();
        }
      }
      return text;
    }
  }
  return {};
}

std::string sse(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

}  // namespace

LocalReply MockResponder::respond(const UpstreamRequest& request) const {
  LocalReply reply;
  reply.first_byte_delay = settings_.latency;
  reply.head.headers.emplace_back("Content-Type", "application/json");
  if (settings_.fail_status) {
    reply.head.status = *settings_.fail_status;
    reply.parts.push_back(
        json::serialize(json::object{{"error",
                                      {{"message", "mock provider configured to fail with HTTP " +
                                                       std::to_string(*settings_.fail_status)},
                                       {"type", "mock_error"},
                                       {"param", nullptr},
                                       {"code", nullptr}}}}));
    return reply;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  json::object body = ec || !parsed.is_object() ? json::object{} : std::move(parsed.get_object());
  json::value model = body.contains("model") ? body["model"] : json::value("mock");
  const bool embeddings = request.target.ends_with("/embeddings");
  const bool chat = request.target.ends_with("/chat/completions");
  reply.head.status = 200;

  const std::uint64_t id_hash = fnv1a(request.body);
  std::string id = (chat         ? "chatcmpl-mock-"
                    : embeddings ? "emb-mock-"
                                 : "cmpl-mock-") +
                   std::to_string(id_hash % 1000000000000ull);
  const std::int64_t created = 1700000000;  // fixed so answers are byte-for-byte repeatable

  if (embeddings) {
    json::array data;
    std::vector<std::string> inputs;
    const json::value& input = body.contains("input") ? body["input"] : json::value("");
    if (input.is_array() && !input.get_array().empty() && !input.get_array()[0].is_number()) {
      for (const auto& e : input.get_array()) inputs.push_back(json::serialize(e));
    } else {
      inputs.push_back(json::serialize(input));
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      json::array vec;
      double norm = 0;
      std::vector<double> values(settings_.embedding_dims);
      for (unsigned d = 0; d < settings_.embedding_dims; ++d) {
        std::uint64_t h = fnv1a(inputs[i], 1469598103934665603ull + d);
        values[d] = static_cast<double>(h % 2000001) / 1000000.0 - 1.0;
        norm += values[d] * values[d];
      }
      norm = norm > 0 ? std::sqrt(norm) : 1;
      for (double v : values) vec.push_back(static_cast<float>(v / norm));
      data.push_back(
          json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(vec)}});
    }
    std::uint64_t prompt = settings_.prompt_tokens.value_or(count_words(input));
    json::object out{{"object", "list"}, {"data", std::move(data)}, {"model", model}};
    if (settings_.report_usage)
      out["usage"] = {{"prompt_tokens", prompt}, {"total_tokens", prompt}};
    reply.parts.push_back(json::serialize(out));
    return reply;
  }

  std::string text = settings_.echo ? last_user_message(body) : settings_.text;
  const json::value* prompt_source = body.if_contains(chat ? "messages" : "prompt");
  std::uint64_t prompt_tokens =
      settings_.prompt_tokens.value_or(prompt_source ? count_words(*prompt_source) : 0);
  std::uint64_t completion_tokens = settings_.completion_tokens.value_or(count_words(text));
  json::object usage{{"prompt_tokens", prompt_tokens},
                     {"completion_tokens", completion_tokens},
                     {"total_tokens", prompt_tokens + completion_tokens}};
  const json::string_view object = chat ? "chat.completion" : "text_completion";

  const auto* stream = body.if_contains("stream");
  if (stream == nullptr || !stream->is_bool() || !stream->get_bool()) {
    json::object choice{{"index", 0}, {"finish_reason", "stop"}, {"logprobs", nullptr}};
    if (chat) {
      choice["message"] = {{"role", "assistant"}, {"content", text}};
    } else {
      choice["text"] = text;
    }
    json::object out{{"id", id},
                     {"object", object},
                     {"created", created},
                     {"model", model},
                     {"choices", json::array{std::move(choice)}}};
    if (settings_.report_usage) out["usage"] = std::move(usage);
    reply.parts.push_back(json::serialize(out));
    return reply;
  }

  reply.head.headers = {{"Content-Type", "text/event-stream"}};
  reply.part_delay = settings_.chunk_delay;
  const json::string_view chunk_object = chat ? "chat.completion.chunk" : "text_completion";
  auto make_chunk = [&](json::object choice) {
    choice["index"] = 0;
    if (!choice.contains("finish_reason")) choice["finish_reason"] = nullptr;
    return json::object{{"id", id},
                        {"object", chunk_object},
                        {"created", created},
                        {"model", model},
                        {"choices", json::array{std::move(choice)}}};
  };
  if (chat) {
    reply.parts.push_back(sse(make_chunk({{"delta", {{"role", "assistant"}, {"content", ""}}}})));
  }
  for (auto& piece : split_text(text, settings_.stream_chunks)) {
    reply.parts.push_back(
        sse(chat ? make_chunk({{"delta", {{"content", piece}}}}) : make_chunk({{"text", piece}})));
  }
  reply.parts.push_back(sse(chat
                                ? make_chunk({{"delta", json::object{}}, {"finish_reason", "stop"}})
                                : make_chunk({{"text", ""}, {"finish_reason", "stop"}})));
  const auto* options = body.if_contains("stream_options");
  const json::value* include = options && options->is_object()
                                   ? options->get_object().if_contains("include_usage")
                                   : nullptr;
  if (settings_.report_usage && include && include->is_bool() && include->get_bool()) {
    reply.parts.push_back(sse(json::object{{"id", id},
                                           {"object", chunk_object},
                                           {"created", created},
                                           {"model", model},
                                           {"choices", json::array{}},
                                           {"usage", std::move(usage)}}));
  }
  reply.parts.push_back("data: [DONE]\n\n");
  return reply;
}

}  // namespace sluice::providers::mock
