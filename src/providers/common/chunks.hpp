#pragma once
// Building the internal stream events (OpenAI's chat.completion.chunk or text_completion
// shapes) that every translating provider's stream produces: one maker per stream holds the
// id, model and creation time they share.

#include <boost/json/object.hpp>
#include <ctime>
#include <string>
#include <string_view>

#include "model/response.hpp"

namespace sluice::providers::common {

class ChunkMaker {
 public:
  ChunkMaker(bool chat, std::string id, std::string model)
      : chat_(chat), id_(std::move(id)), model_(std::move(model)), created_(std::time(nullptr)) {}

  void set_id(std::string id) { id_ = std::move(id); }
  void set_model(std::string model) { model_ = std::move(model); }
  bool chat() const { return chat_; }

  // The first chat chunk: the assistant role and empty content.
  model::StreamEvent role() const;
  // A chat chunk with `delta` (content, tool_calls, …) and a finish reason or null.
  model::StreamEvent delta(boost::json::object delta, boost::json::value finish = nullptr) const;
  // Text in the stream's own shape (chat content, or completions text), optionally finishing.
  model::StreamEvent text(std::string_view text, boost::json::value finish = nullptr) const;
  // The finish reason alone.
  model::StreamEvent finish(std::string_view reason) const;
  // OpenAI's usage chunk (`choices: []`), as a usage event.
  model::StreamEvent usage(const model::Usage& usage) const;

 private:
  boost::json::object base() const;

  bool chat_;
  std::string id_;
  std::string model_;
  std::time_t created_;
};

}  // namespace sluice::providers::common
