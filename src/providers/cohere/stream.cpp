// Cohere v2's chat stream: SSE events message-start, content-start/delta/end, tool-plan-delta,
// tool-call-start/delta/end, citation-*, and message-end with the finish reason and usage (or an
// error). Translated into OpenAI chat.completion.chunk events.
#include <boost/json.hpp>
#include <ctime>

#include "providers/cohere/adapter.hpp"
#include "providers/common/chunks.hpp"
#include "providers/common/sse_parser.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::cohere {
namespace json = boost::json;

namespace {

// delta.message.<key>, if it is an object.
const json::object* message_part(const json::object& event, std::string_view key) {
  const json::value* delta = event.if_contains("delta");
  const json::value* message =
      delta && delta->is_object() ? delta->get_object().if_contains("message") : nullptr;
  const json::value* part =
      message && message->is_object() ? message->get_object().if_contains(key) : nullptr;
  return part ? part->if_object() : nullptr;
}

class CohereStreamTranslator : public StreamTranslator {
 public:
  explicit CohereStreamTranslator(std::string model) : chunks_(true, "cohere", std::move(model)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](common::SseEvent& event) {
      if (ended_ || event.data.empty()) return true;
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      if (ec || !parsed.is_object()) {
        failure =
            fail(ErrorCode::kUpstreamUnavailable, "provider sent a stream event that is not JSON");
        return false;
      }
      failure = handle(parsed.get_object(), out);
      return !failure;
    });
    if (parser_.overflowed())
      return fail(ErrorCode::kUpstreamUnavailable, std::string(common::SseParser::kTooLarge));
    if (failure) return *failure;
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>&) override {
    if (!ended_)
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    return {};
  }

 private:
  std::optional<Error> handle(const json::object& event, std::vector<model::StreamEvent>& out) {
    const json::value* type = event.if_contains("type");
    if (type == nullptr || !type->is_string()) return std::nullopt;
    const std::string_view t = type->get_string();
    if (t == "message-start") {
      if (const auto* id = event.if_contains("id"); id && id->is_string())
        chunks_.set_id(std::string(id->get_string()));
      out.push_back(chunks_.role());
    } else if (t == "content-delta") {
      const json::object* content = message_part(event, "content");
      const json::value* text = content ? content->if_contains("text") : nullptr;
      if (text != nullptr && text->is_string() && !text->get_string().empty())
        out.push_back(chunks_.text(text->get_string()));
    } else if (t == "tool-call-start" || t == "tool-call-delta") {
      const json::object* call = message_part(event, "tool_calls");
      if (call == nullptr) return std::nullopt;
      const json::value* fn = call->if_contains("function");
      const json::object* f = fn ? fn->if_object() : nullptr;
      json::object delta{{"index", tool_}};
      if (t == "tool-call-start") {
        delta["id"] = call->contains("id") ? call->at("id") : json::value("");
        delta["type"] = "function";
        delta["function"] = {
            {"name", f && f->contains("name") ? f->at("name") : json::value("")},
            {"arguments", f && f->contains("arguments") ? f->at("arguments") : json::value("")}};
      } else {
        delta["function"] = {
            {"arguments", f && f->contains("arguments") ? f->at("arguments") : json::value("")}};
      }
      out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(delta)}}}));
    } else if (t == "tool-call-end") {
      ++tool_;
    } else if (t == "message-end") {
      ended_ = true;
      const json::value* delta = event.if_contains("delta");
      const json::object* d = delta ? delta->if_object() : nullptr;
      if (d != nullptr) {
        if (const auto* err = d->if_contains("error");
            err && err->is_string() && !err->get_string().empty())
          return fail(ErrorCode::kUpstreamServerError, std::string(err->get_string()));
      }
      const json::value* reason = d ? d->if_contains("finish_reason") : nullptr;
      std::string_view finish = finish_reason(
          reason && reason->is_string() ? std::string_view(reason->get_string()) : "");
      out.push_back(chunks_.finish(finish));
      model::Usage usage = usage_from_cohere(d ? d->if_contains("usage") : nullptr);
      if (!usage.empty()) out.push_back(chunks_.usage(usage));
    }
    return std::nullopt;  // content-start/end, tool-plan-delta, citations: nothing to relay
  }

  Error fail(ErrorCode code, std::string message) const {
    Error e = Error::make(code, std::move(message));
    e.provider = "cohere";
    return e;
  }

  common::ChunkMaker chunks_;
  common::SseParser parser_;
  std::int64_t tool_ = 0;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model) {
  return std::make_unique<CohereStreamTranslator>(std::move(model));
}

}  // namespace sluice::providers::cohere
