// Anthropic's Messages stream (https://docs.anthropic.com/en/api/messages-streaming): SSE events
// message_start, content_block_start/delta/stop, message_delta (stop reason, output usage),
// message_stop, ping, and error. Translated into OpenAI chat.completion.chunk (or
// text_completion) events: the role chunk at message_start, text and tool-call argument deltas
// as they come, the finish reason at message_delta, and the usage at message_stop. Thinking goes
// out as `reasoning_content` deltas, each thinking block ending with a `thinking_blocks` delta
// carrying its signature; a redacted_thinking block as one `thinking_blocks` delta.
#include <boost/json.hpp>
#include <ctime>
#include <map>
#include <set>

#include "providers/anthropic/adapter.hpp"
#include "providers/anthropic/translate.hpp"
#include "providers/common/chunks.hpp"
#include "providers/common/sse_parser.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::anthropic {
namespace json = boost::json;

namespace {

class AnthropicStreamTranslator : public StreamTranslator {
 public:
  AnthropicStreamTranslator(std::string provider, bool chat)
      : provider_(std::move(provider)), chat_(chat), chunks_(chat, "", "") {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](common::SseEvent& event) {
      if (stopped_) return true;
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      if (ec || !parsed.is_object()) {
        if (event.data.empty()) return true;
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
    if (!stopped_)
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    return {};
  }

 private:
  std::optional<Error> handle(const json::object& event, std::vector<model::StreamEvent>& out) {
    const json::value* type = event.if_contains("type");
    if (type == nullptr || !type->is_string()) return std::nullopt;
    const std::string_view t = type->get_string();
    if (t == "message_start") {
      if (const auto* m = event.if_contains("message"); m && m->is_object()) {
        const auto& msg = m->get_object();
        if (const auto* id = msg.if_contains("id"); id && id->is_string())
          chunks_.set_id(std::string(id->get_string()));
        if (const auto* model = msg.if_contains("model"); model && model->is_string())
          chunks_.set_model(std::string(model->get_string()));
        if (const auto* u = msg.if_contains("usage"); u && u->is_object()) usage_ = u->get_object();
      }
      if (chat_) out.push_back(chunks_.role());
    } else if (t == "content_block_start") {
      const json::object* block = object_at(event, "content_block");
      if (block != nullptr && block->contains("type") && block->at("type") == "tool_use" && chat_) {
        const int index = next_tool_++;
        tools_[index_of(event)] = index;
        json::object call{{"index", index},
                          {"id", block->contains("id") ? block->at("id") : json::value("")},
                          {"type", "function"},
                          {"function",
                           {{"name", block->contains("name") ? block->at("name") : json::value("")},
                            {"arguments", ""}}}};
        out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
      } else if (block != nullptr && block->contains("type") &&
                 block->at("type") == "redacted_thinking" && chat_) {
        out.push_back(
            chunks_.delta(json::object{{"thinking_blocks", json::array{json::value(*block)}}}));
      } else if (block != nullptr && block->contains("type") && block->at("type") == "thinking" &&
                 chat_) {
        if (const auto* text = block->if_contains("thinking");
            text && text->is_string() && !text->get_string().empty()) {
          out.push_back(chunks_.delta(json::object{{"reasoning_content", *text}}));
        }
      } else if (block != nullptr && block->contains("type") && block->at("type") == "text") {
        text_.insert(index_of(event));
        if (const auto* text = block->if_contains("text");
            text && text->is_string() && !text->get_string().empty()) {
          out.push_back(chunks_.text(text->get_string()));
        }
      } else if (block != nullptr && chat_) {
        // A block the OpenAI shape cannot hold (a server tool's use and result, and types added
        // later): its events go on verbatim for Anthropic-shaped clients (anthropic_event).
        opaque_.insert(index_of(event));
        out.push_back(chunks_.delta(json::object{{"anthropic_event", event}}));
      }
    } else if (t == "content_block_delta") {
      const json::object* delta = object_at(event, "delta");
      if (delta == nullptr) return std::nullopt;
      const json::value* dt = delta->if_contains("type");
      if (chat_ &&
          (opaque_.contains(index_of(event)) || (dt != nullptr && *dt == "citations_delta"))) {
        out.push_back(chunks_.delta(json::object{{"anthropic_event", event}}));
      } else if (dt != nullptr && *dt == "text_delta") {
        if (const auto* text = delta->if_contains("text"); text && text->is_string())
          out.push_back(chunks_.text(text->get_string()));
      } else if (dt != nullptr && *dt == "input_json_delta" && chat_) {
        auto it = tools_.find(index_of(event));
        const json::value* partial = delta->if_contains("partial_json");
        if (it != tools_.end() && partial != nullptr && partial->is_string()) {
          json::object call{{"index", it->second}, {"function", {{"arguments", *partial}}}};
          out.push_back(chunks_.delta(json::object{{"tool_calls", json::array{std::move(call)}}}));
        }
      } else if (dt != nullptr && *dt == "thinking_delta" && chat_) {
        if (const auto* text = delta->if_contains("thinking"); text && text->is_string())
          out.push_back(chunks_.delta(json::object{{"reasoning_content", *text}}));
      } else if (dt != nullptr && *dt == "signature_delta" && chat_) {
        // Ends the thinking block streamed as reasoning_content (model/stream_assembly.hpp).
        if (const auto* sig = delta->if_contains("signature"); sig && sig->is_string()) {
          out.push_back(chunks_.delta(json::object{
              {"thinking_blocks",
               json::array{json::object{{"type", "thinking"}, {"signature", *sig}}}}}));
        }
      }
    } else if (t == "content_block_stop") {
      // Relayed for an opaque block, and for a text block: Anthropic clients keep the text
      // blocks apart (a later block's citations belong to it, not to the text before).
      if (chat_ && (opaque_.erase(index_of(event)) > 0 || text_.erase(index_of(event)) > 0))
        out.push_back(chunks_.delta(json::object{{"anthropic_event", event}}));
    } else if (t == "message_delta") {
      if (const json::object* delta = object_at(event, "delta")) {
        if (const auto* stop = delta->if_contains("stop_reason"); stop && stop->is_string()) {
          model::StreamEvent finish = chunks_.finish(finish_reason(stop->get_string()));
          if (chat_) {
            json::value& choice = finish.chunk["choices"].get_array()[0];
            add_stop_details(*delta, choice.get_object());
          }
          out.push_back(std::move(finish));
        }
      }
      if (const json::object* u = object_at(event, "usage")) {
        for (const auto& kv : *u) usage_[kv.key()] = kv.value();
      }
    } else if (t == "message_stop") {
      stopped_ = true;
      model::Usage usage = usage_from_anthropic(usage_);
      if (!usage.empty()) out.push_back(chunks_.usage(usage));
    } else if (t == "error") {
      std::string message = "provider reported an error mid-stream";
      std::string kind;
      if (const json::object* err = object_at(event, "error")) {
        if (const auto* m = err->if_contains("message"); m && m->is_string())
          message = m->get_string();
        if (const auto* k = err->if_contains("type"); k && k->is_string()) kind = k->get_string();
      }
      Error e = fail(ErrorCode::kUpstreamServerError, std::move(message));
      if (kind == "overloaded_error") e.upstream_status = 529;
      e.error_code = kind;
      return e;
    }
    return std::nullopt;  // ping, and event types added later
  }

  static const json::object* object_at(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
  }
  static std::int64_t index_of(const json::object& event) {
    const json::value* i = event.if_contains("index");
    return i != nullptr && i->is_int64() ? i->get_int64() : -1;
  }

  Error fail(ErrorCode code, std::string message) const {
    Error e = Error::make(code, std::move(message));
    e.provider = provider_;
    return e;
  }

  std::string provider_;
  bool chat_;
  common::ChunkMaker chunks_;
  common::SseParser parser_;
  json::object usage_;
  std::map<std::int64_t, int> tools_;  // content block index → OpenAI tool_calls index
  std::set<std::int64_t> opaque_;      // indexes of the blocks passed on as anthropic_event
  std::set<std::int64_t> text_;        // indexes of the open text blocks
  int next_tool_ = 0;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> make_stream_translator(std::string provider, bool chat) {
  return std::make_unique<AnthropicStreamTranslator>(std::move(provider), chat);
}

}  // namespace sluice::providers::anthropic
