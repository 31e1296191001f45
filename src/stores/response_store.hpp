#pragma once
// Where /v1/responses answers are kept when `stores.responses` is on (pipeline/handler/
// stored_responses.cpp): the SQLite file or the PostgreSQL database of `stores:`, in the table
// `responses`. Calls block: they run on the blocking pool, never on an event loop.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::stores {

struct StoredResponse {
  std::string id;        // resp_… (random: an id is not a secret, but it is not guessable either)
  std::string owner;     // the gateway key id that made it; empty when keys are off
  std::string endpoint;  // the `model` it was asked of
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t expires_at = 0;  // unix seconds; gone (never read) from then on
  // The conversation up to and including this answer: a JSON array of chat messages in the
  // internal (OpenAI) shape, without the request's `instructions`, which a next turn does not
  // inherit (OpenAI's rule for previous_response_id).
  std::string conversation;
  std::string response;  // the Response object as the client got it (GET /v1/responses/{id})
};

class ResponseStore {
 public:
  virtual ~ResponseStore() = default;
  // Keeps `response` (an id already kept is replaced) and removes what has expired by `now_s`.
  virtual void put_response(const StoredResponse& response, std::int64_t now_s) = 0;
  // The response, unless it is unknown or expired by `now_s`.
  virtual std::optional<StoredResponse> get_response(std::string_view id, std::int64_t now_s) = 0;
  virtual bool delete_response(std::string_view id) = 0;  // false: no such id
};

}  // namespace sluice::stores
