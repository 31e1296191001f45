#pragma once
// A cached answer as the stream a client that asked for one gets: split_response's chunks
// (model/stream_assembly.hpp), with each choice's text cut into pieces at natural boundaries
// (after whitespace or punctuation, about kPieceBytes each), so a client renders it as it would
// a provider's stream. The client's stream writer adds [DONE] or message_stop as its dialect
// wants.

#include <vector>

#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::cache {

inline constexpr std::size_t kPieceBytes = 48;

std::vector<model::StreamEvent> replay_events(const model::Response& response,
                                              model::Operation operation);

}  // namespace sluice::cache
