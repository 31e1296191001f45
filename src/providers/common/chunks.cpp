#include "providers/common/chunks.hpp"

#include <boost/json.hpp>

namespace sluice::providers::common {
namespace json = boost::json;

json::object ChunkMaker::base() const {
  return json::object{{"id", id_},
                      {"object", chat_ ? "chat.completion.chunk" : "text_completion"},
                      {"created", static_cast<std::int64_t>(created_)},
                      {"model", model_}};
}

model::StreamEvent ChunkMaker::role() const {
  return delta(json::object{{"role", "assistant"}, {"content", ""}});
}

model::StreamEvent ChunkMaker::delta(json::object delta, json::value finish) const {
  model::StreamEvent ev;
  ev.chunk = base();
  ev.chunk["choices"] = json::array{json::object{
      {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}};
  return ev;
}

model::StreamEvent ChunkMaker::text(std::string_view text, json::value finish) const {
  if (chat_) return delta(json::object{{"content", text}}, std::move(finish));
  model::StreamEvent ev;
  ev.chunk = base();
  ev.chunk["choices"] = json::array{json::object{
      {"index", 0}, {"text", text}, {"finish_reason", std::move(finish)}, {"logprobs", nullptr}}};
  return ev;
}

model::StreamEvent ChunkMaker::finish(std::string_view reason) const {
  return chat_ ? delta(json::object{}, json::value(reason)) : text("", json::value(reason));
}

model::StreamEvent ChunkMaker::usage(const model::Usage& usage) const {
  model::StreamEvent ev;
  ev.kind = model::StreamEvent::Kind::kUsage;
  ev.usage = usage;
  ev.chunk = base();
  ev.chunk["choices"] = json::array{};
  ev.chunk["usage"] = model::usage_to_openai(usage);
  return ev;
}

}  // namespace sluice::providers::common
