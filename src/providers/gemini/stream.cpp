// Gemini's streamGenerateContent?alt=sse: each SSE `data` is a whole GenerateContentResponse
// holding the next piece of the first candidate; the last one has the finishReason, and
// usageMetadata grows as it goes. There is no end marker: a stream that ends before a finish
// reason was cut short.
#include <boost/json.hpp>
#include <ctime>

#include "providers/common/chunks.hpp"
#include "providers/common/sse_parser.hpp"
#include "providers/gemini/adapter.hpp"
#include "providers/gemini/translate.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {

class GeminiStreamTranslator : public StreamTranslator {
 public:
  GeminiStreamTranslator(std::string model, bool chat)
      : chat_(chat), chunks_(chat, "gemini", std::move(model)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](common::SseEvent& event) {
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
    if (parser_.overflowed()) return fail(std::string(common::SseParser::kTooLarge));
    if (failure) return *failure;
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>& out) override {
    if (finish_.empty()) return fail("provider stream ended before it was complete");
    if (!usage_.empty()) out.push_back(chunks_.usage(usage_));
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
      // The HTTP status Google would have answered (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE), so
      // retries and fallbacks treat a mid-stream error as they would the same error up front.
      if (const auto* c = e.if_contains("code");
          c && c->is_int64() && c->get_int64() >= 400 && c->get_int64() <= 599)
        error.upstream_status = static_cast<unsigned>(c->get_int64());
      return error;
    }
    if (!started_) {
      started_ = true;
      if (const auto* id = response.if_contains("responseId"); id && id->is_string())
        chunks_.set_id(std::string(id->get_string()));
      if (const auto* v = response.if_contains("modelVersion"); v && v->is_string())
        chunks_.set_model(std::string(v->get_string()));
      if (chat_) out.push_back(chunks_.role());
    }
    if (const auto* u = response.if_contains("usageMetadata"); u && u->is_object())
      usage_ = usage_from_gemini(u->get_object());
    CandidateParts parts = read_candidate(response, tools_);
    if (chat_ && !parts.reasoning.empty())
      out.push_back(chunks_.delta(json::object{{"reasoning_content", std::move(parts.reasoning)}}));
    if (!parts.text.empty()) out.push_back(chunks_.text(parts.text));
    if (chat_) {
      for (auto& call : parts.tool_calls) {
        call.get_object()["index"] = tools_++;
        out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
      }
    }
    if (!parts.finish.empty()) {
      finish_ = tools_ > 0 && parts.finish == "stop" ? "tool_calls" : parts.finish;
      out.push_back(chunks_.finish(finish_));
    }
    return std::nullopt;
  }

  Error fail(std::string message) const {
    Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
    e.provider = "gemini";
    return e;
  }

  bool chat_;
  common::ChunkMaker chunks_;
  bool started_ = false;
  common::SseParser parser_;
  std::string finish_;
  std::size_t tools_ = 0;
  model::Usage usage_;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model, bool chat) {
  return std::make_unique<GeminiStreamTranslator>(std::move(model), chat);
}

}  // namespace sluice::providers::gemini
