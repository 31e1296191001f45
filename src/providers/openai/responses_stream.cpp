// A relayed Responses API stream, read for its usage (adapter.hpp, make_responses_usage_reader).
// Each SSE event's data is one event object with a `type`; the stream ends with
// response.completed, response.incomplete or response.failed, whose `response.usage` is the
// whole request's (https://platform.openai.com/docs/api-reference/responses-streaming). The
// bytes themselves go to the client untouched; this only counts.

#include <boost/json.hpp>

#include "providers/common/sse_parser.hpp"
#include "providers/openai/adapter.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::openai {
namespace json = boost::json;

namespace {

class ResponsesUsageReader : public StreamTranslator {
 public:
  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    parser_.feed(bytes, [&](common::SseEvent& event) {
      if (ended_ || event.data.empty()) return true;
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      const json::object* e = !ec ? parsed.if_object() : nullptr;
      const json::value* type = e != nullptr ? e->if_contains("type") : nullptr;
      if (type == nullptr || !type->is_string()) return true;  // not ours to judge: relayed
      const std::string_view t = type->get_string();
      if (t != "response.completed" && t != "response.incomplete" && t != "response.failed")
        return true;
      ended_ = true;
      const json::value* response = e->if_contains("response");
      const json::value* usage = response != nullptr && response->is_object()
                                     ? response->get_object().if_contains("usage")
                                     : nullptr;
      // One usage event at the end: the usage, and the response's id in `chunk` (the gateway
      // ties the id to the key that asked, when it keeps responses).
      model::StreamEvent u;
      u.kind = model::StreamEvent::Kind::kUsage;
      if (usage != nullptr && usage->is_object()) {
        u.usage = usage_from_responses(usage->get_object());
        model::read_service_tier(response->get_object(), u.usage);
      }
      const json::value* id = response != nullptr && response->is_object()
                                  ? response->get_object().if_contains("id")
                                  : nullptr;
      if (id != nullptr && id->is_string()) u.chunk["id"] = id->get_string();
      if (!u.usage.empty() || !u.chunk.empty()) out.push_back(std::move(u));
      return true;
    });
    if (parser_.overflowed()) return fail(std::string(common::SseParser::kTooLarge));
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>&) override {
    if (!ended_) return fail("provider stream ended before it was complete");
    return {};
  }

 private:
  static Error fail(std::string message) {
    Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
    e.provider = "openai";
    return e;
  }

  common::SseParser parser_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_responses_usage_reader() {
  return std::make_unique<ResponsesUsageReader>();
}

}  // namespace sluice::providers::openai
