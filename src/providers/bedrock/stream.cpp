// ConverseStream: event-stream messages whose :event-type is messageStart, contentBlockStart,
// contentBlockDelta, contentBlockStop, messageStop or metadata (usage), or whose :message-type
// is exception (throttlingException, modelStreamErrorException, …).
#include <boost/json.hpp>
#include <ctime>
#include <map>

#include "providers/bedrock/adapter.hpp"
#include "providers/bedrock/event_stream.hpp"
#include "providers/bedrock/translate.hpp"
#include "providers/common/chunks.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::bedrock {
namespace json = boost::json;

namespace {

class ConverseStreamTranslator : public StreamTranslator {
 public:
  ConverseStreamTranslator(std::string model, bool chat)
      : chat_(chat), chunks_(chat, "bedrock", std::move(model)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::vector<EventMessage> messages;
    if (!decoder_.feed(bytes, messages))
      return fail(ErrorCode::kUpstreamUnavailable, decoder_.error());
    for (auto& m : messages) {
      if (auto e = handle(m, out)) return *e;
    }
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>& out) override {
    if (!stopped_ || !decoder_.idle())
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    if (!usage_.empty()) out.push_back(chunks_.usage(usage_));
    return {};
  }

 private:
  std::optional<Error> handle(const EventMessage& m, std::vector<model::StreamEvent>& out) {
    boost::system::error_code ec;
    json::value parsed = util::parse_json(m.payload, ec);
    const json::object* p = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;
    auto header = [&](const char* name) -> std::string_view {
      auto it = m.headers.find(name);
      return it == m.headers.end() ? std::string_view{} : std::string_view(it->second);
    };
    if (header(":message-type") == "exception" || header(":message-type") == "error") {
      std::string message = p && p->contains("message") && p->at("message").is_string()
                                ? std::string(p->at("message").get_string())
                                : "provider reported an error mid-stream";
      Error e = fail(ErrorCode::kUpstreamServerError, std::move(message));
      e.error_code = header(":exception-type");
      if (e.error_code == "throttlingException") e.upstream_status = 429;
      return e;
    }
    if (p == nullptr)
      return fail(ErrorCode::kUpstreamUnavailable, "provider sent a stream event that is not JSON");
    const std::string_view type = header(":event-type");
    if (type == "messageStart") {
      if (chat_) out.push_back(chunks_.role());
    } else if (type == "contentBlockStart") {
      const json::value* start = p->if_contains("start");
      const json::value* use =
          start && start->is_object() ? start->get_object().if_contains("toolUse") : nullptr;
      if (use != nullptr && use->is_object() && chat_) {
        const auto& u = use->get_object();
        const int index = next_tool_++;
        tools_[block_index(*p)] = index;
        json::object call{
            {"index", index},
            {"id", u.contains("toolUseId") ? u.at("toolUseId") : json::value("")},
            {"type", "function"},
            {"function",
             {{"name", u.contains("name") ? u.at("name") : json::value("")}, {"arguments", ""}}}};
        out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
      }
    } else if (type == "contentBlockDelta") {
      const json::value* delta = p->if_contains("delta");
      const json::object* d = delta ? delta->if_object() : nullptr;
      if (d == nullptr) return std::nullopt;
      if (const auto* t = d->if_contains("text"); t && t->is_string()) {
        out.push_back(chunks_.text(t->get_string()));
      } else if (const auto* use = d->if_contains("toolUse"); use && use->is_object() && chat_) {
        auto it = tools_.find(block_index(*p));
        const json::value* input = use->get_object().if_contains("input");
        if (it != tools_.end() && input != nullptr && input->is_string()) {
          json::object call{{"index", it->second}, {"function", {{"arguments", *input}}}};
          out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
        }
      }
    } else if (type == "messageStop") {
      stopped_ = true;
      const json::value* r = p->if_contains("stopReason");
      const std::string_view reason =
          finish_reason(r && r->is_string() ? std::string_view(r->get_string()) : "");
      out.push_back(chunks_.finish(reason));
    } else if (type == "metadata") {
      if (const auto* u = p->if_contains("usage"); u && u->is_object())
        usage_ = usage_from_converse(u->get_object());
    }
    return std::nullopt;
  }

  static std::int64_t block_index(const json::object& p) {
    const json::value* i = p.if_contains("contentBlockIndex");
    return i != nullptr && i->is_int64() ? i->get_int64() : -1;
  }
  Error fail(ErrorCode code, std::string message) const {
    Error e = Error::make(code, std::move(message));
    e.provider = "bedrock";
    return e;
  }

  bool chat_;
  common::ChunkMaker chunks_;
  EventStreamDecoder decoder_;
  std::map<std::int64_t, int> tools_;
  int next_tool_ = 0;
  bool stopped_ = false;
  model::Usage usage_;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_stream_translator(std::string model, bool chat) {
  return std::make_unique<ConverseStreamTranslator>(std::move(model), chat);
}

}  // namespace sluice::providers::bedrock
