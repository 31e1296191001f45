// OpenAI's streamed chat/completions: SSE events whose `data` is one chunk object, then
// `data: [DONE]`. With stream_options.include_usage the last chunk before [DONE] has
// `choices: []` and the usage (https://platform.openai.com/docs/api-reference/chat/streaming).
// Errors mid-stream arrive as `data: {"error": {...}}`.

#include <boost/json.hpp>

#include "providers/common/sse_parser.hpp"
#include "providers/openai/adapter.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::openai {
namespace json = boost::json;

namespace {

class OpenAiStreamTranslator : public StreamTranslator {
 public:
  explicit OpenAiStreamTranslator(std::string provider) : provider_(std::move(provider)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](common::SseEvent& event) {
      if (done_) return true;  // anything after [DONE] is ignored
      if (event.data == "[DONE]") {
        done_ = true;
        return true;
      }
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      if (ec || !parsed.is_object()) {
        failure =
            fail(ErrorCode::kUpstreamUnavailable, "provider sent a stream event that is not JSON");
        return false;
      }
      json::object& chunk = parsed.get_object();
      if (const auto* err = chunk.if_contains("error"); err && !err->is_null()) {
        std::string message = "provider reported an error mid-stream";
        if (err->is_object()) {
          if (const auto* m = err->get_object().if_contains("message"); m && m->is_string()) {
            message = m->get_string();
          }
        }
        failure = fail(ErrorCode::kUpstreamServerError, std::move(message));
        return false;
      }
      model::StreamEvent ev;
      ev.usage = model::usage_from_openai(chunk.if_contains("usage"));
      if (!ev.usage.empty()) model::read_service_tier(chunk, ev.usage);
      const auto* choices = chunk.if_contains("choices");
      bool no_choices = choices == nullptr || (choices->is_array() && choices->get_array().empty());
      if (no_choices && !ev.usage.empty()) {
        ev.kind = model::StreamEvent::Kind::kUsage;
      } else if (choices != nullptr && choices->is_array()) {
        for (const auto& c : choices->get_array()) {
          if (const auto* f = c.is_object() ? c.get_object().if_contains("finish_reason") : nullptr;
              f && f->is_string()) {
            saw_finish_ = true;
          }
        }
      }
      ev.chunk = std::move(chunk);
      out.push_back(std::move(ev));
      return true;
    });
    if (parser_.overflowed())
      return fail(ErrorCode::kUpstreamUnavailable, std::string(common::SseParser::kTooLarge));
    if (failure) return *failure;
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>&) override {
    // Some OpenAI-compatible servers omit [DONE]; a finish_reason still proves the answer is whole.
    if (!done_ && !saw_finish_) {
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    }
    return {};
  }

 private:
  Error fail(ErrorCode code, std::string message) const {
    Error e = Error::make(code, std::move(message));
    e.provider = provider_;
    return e;
  }

  std::string provider_;
  common::SseParser parser_;
  bool done_ = false;
  bool saw_finish_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_openai_stream_translator(std::string provider) {
  return std::make_unique<OpenAiStreamTranslator>(std::move(provider));
}

}  // namespace sluice::providers::openai
