#include "cache/replay.hpp"

#include <boost/json.hpp>
#include <string_view>

#include "model/stream_assembly.hpp"

namespace sluice::cache {
namespace json = boost::json;

namespace {

// Where the next piece of `text` from `from` ends: after the last space, newline or punctuation
// within kPieceBytes (never inside a UTF-8 sequence), else at kPieceBytes on a character start.
std::size_t piece_end(std::string_view text, std::size_t from) {
  if (text.size() - from <= kPieceBytes) return text.size();
  std::size_t cut = 0;
  for (std::size_t i = from; i < from + kPieceBytes; ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '.' || c == ',' || c == ';' || c == '!' || c == '?')
      cut = i + 1;
  }
  if (cut > from) return cut;
  std::size_t end = from + kPieceBytes;
  while (end > from + 1 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return end;
}

}  // namespace

std::vector<model::StreamEvent> replay_events(const model::Response& response,
                                              model::Operation operation) {
  const bool chat = operation == model::Operation::kChat;
  std::vector<model::StreamEvent> whole = model::split_response(response, operation);
  std::vector<model::StreamEvent> out;
  out.reserve(whole.size());
  for (auto& event : whole) {
    json::object* choice = nullptr;
    if (auto* list = event.chunk.if_contains("choices"); list != nullptr && list->is_array() &&
                                                         list->get_array().size() == 1 &&
                                                         list->get_array()[0].is_object())
      choice = &list->get_array()[0].get_object();
    json::value* text = nullptr;
    if (choice != nullptr) {
      if (!chat) {
        text = choice->if_contains("text");
      } else if (auto* delta = choice->if_contains("delta"); delta && delta->is_object()) {
        text = delta->get_object().if_contains("content");
      }
    }
    if (text == nullptr || !text->is_string() || text->get_string().size() <= kPieceBytes) {
      out.push_back(std::move(event));
      continue;
    }
    const std::string all(text->get_string());
    // The chunk without its text and delta, copied for each piece (copying the whole text into
    // each piece made replaying a large answer quadratic). The first piece carries the role and
    // whatever came before the text (reasoning, thinking blocks); the last the tool calls and
    // the finish reason.
    json::object whole_delta;
    if (chat) {
      if (auto* d = choice->if_contains("delta"); d != nullptr && d->is_object())
        whole_delta = std::move(d->get_object());
      whole_delta.erase("content");
    }
    json::value finish = (*choice)["finish_reason"];
    (*choice)["finish_reason"] = nullptr;
    if (chat) {
      (*choice)["delta"] = json::object();
    } else {
      (*choice)["text"] = "";
    }
    std::size_t at = 0;
    while (at < all.size()) {
      const std::size_t end = piece_end(all, at);
      const std::string_view piece(all.data() + at, end - at);
      const bool first = at == 0;
      const bool last = end == all.size();
      model::StreamEvent e;
      e.kind = event.kind;
      e.chunk = event.chunk;
      json::object& c = e.chunk["choices"].get_array()[0].get_object();
      if (chat) {
        json::object delta;
        for (const auto& kv : whole_delta) {
          const bool late = kv.key() == "tool_calls";
          if ((first && !late) || (last && late)) delta[kv.key()] = kv.value();
        }
        delta["content"] = piece;
        c["delta"] = std::move(delta);
      } else {
        c["text"] = piece;
      }
      if (last) {
        c["finish_reason"] = finish;
        e.usage = event.usage;
      }
      out.push_back(std::move(e));
      at = end;
    }
  }
  return out;
}

}  // namespace sluice::cache
