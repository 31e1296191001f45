// Gemini's streamGenerateContent?alt=sse: each SSE `data` is a whole GenerateContentResponse
// holding the next piece of the first candidate; the last one has the finishReason, and
// usageMetadata grows as it goes. There is no end marker: a stream that ends before a finish
// reason was cut short.
#include <boost/json.hpp>
#include <ctime>

#include "providers/gemini/adapter.hpp"
#include "providers/gemini/translate.hpp"
#include "upstream/sse_parser.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {

class GeminiStreamTranslator : public StreamTranslator {
 public:
  GeminiStreamTranslator(std::string model, bool chat)
      : model_(std::move(model)), chat_(chat), created_(std::time(nullptr)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](upstream::SseEvent& event) {
      if (event.data.empty()) return true;
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      if (ec || !parsed.is_object()) {
        failure = fail("provider sent a stream event that is not JSON");
        return false;
      }
      failure = handle(parsed.get_object(), out);
      return !failure;
    });
    if (failure) return *failure;
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>& out) override {
    if (finish_.empty()) return fail("provider stream ended before it was complete");
    if (!usage_.empty()) {
      model::StreamEvent ev;
      ev.kind = model::StreamEvent::Kind::kUsage;
      ev.usage = usage_;
      ev.chunk = base();
      ev.chunk["choices"] = json::array{};
      ev.chunk["usage"] = model::usage_to_openai(usage_);
      out.push_back(std::move(ev));
    }
    return {};
  }

 private:
  std::optional<Error> handle(const json::object& response, std::vector<model::StreamEvent>& out) {
    if (const auto* err = response.if_contains("error"); err && err->is_object()) {
      const auto& e = err->get_object();
      Error error = fail(e.contains("message") && e.at("message").is_string()
                             ? std::string(e.at("message").get_string())
                             : std::string("provider reported an error mid-stream"));
      error.code = ErrorCode::kUpstreamServerError;
      if (const auto* s = e.if_contains("status"); s && s->is_string())
        error.error_code = s->get_string();
      return error;
    }
    if (id_.empty()) {
      const json::value* id = response.if_contains("responseId");
      id_ = id != nullptr && id->is_string() ? std::string(id->get_string()) : "gemini";
      if (const auto* v = response.if_contains("modelVersion"); v && v->is_string())
        model_ = v->get_string();
      if (chat_) out.push_back(chunk(json::object{{"role", "assistant"}, {"content", ""}}));
    }
    if (const auto* u = response.if_contains("usageMetadata"); u && u->is_object())
      usage_ = usage_from_gemini(u->get_object());
    CandidateParts parts = read_candidate(response, tools_);
    if (!parts.text.empty()) {
      if (chat_) {
        out.push_back(chunk(json::object{{"content", parts.text}}));
      } else {
        out.push_back(completion_chunk(parts.text, nullptr));
      }
    }
    if (chat_) {
      for (auto& call : parts.tool_calls) {
        call.get_object()["index"] = tools_++;
        out.push_back(chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
      }
    }
    if (!parts.finish.empty()) {
      finish_ = tools_ > 0 && parts.finish == "stop" ? "tool_calls" : parts.finish;
      out.push_back(chat_ ? chunk(json::object{}, json::value(finish_))
                          : completion_chunk("", json::value(finish_)));
    }
    return std::nullopt;
  }

  json::object base() const {
    return json::object{{"id", id_},
                        {"object", chat_ ? "chat.completion.chunk" : "text_completion"},
                        {"created", static_cast<std::int64_t>(created_)},
                        {"model", model_}};
  }
  model::StreamEvent chunk(json::object delta, json::value finish = nullptr) const {
    model::StreamEvent ev;
    ev.chunk = base();
    ev.chunk["choices"] = json::array{json::object{
        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}};
    return ev;
  }
  model::StreamEvent completion_chunk(std::string_view text, json::value finish) const {
    model::StreamEvent ev;
    ev.chunk = base();
    ev.chunk["choices"] = json::array{json::object{
        {"index", 0}, {"text", text}, {"finish_reason", std::move(finish)}, {"logprobs", nullptr}}};
    return ev;
  }
  Error fail(std::string message) const {
    Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
    e.provider = "gemini";
    return e;
  }

  std::string model_;
  bool chat_;
  std::time_t created_;
  upstream::SseParser parser_;
  std::string id_;
  std::string finish_;
  std::size_t tools_ = 0;
  model::Usage usage_;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model, bool chat) {
  return std::make_unique<GeminiStreamTranslator>(std::move(model), chat);
}

}  // namespace sluice::providers::gemini
