#pragma once
// Per-request state shared by the pipeline's stages and policies. Owned by the handler
// coroutine for the duration of one request; never shared between requests or threads.

#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"
#include "routing/call.hpp"

namespace sluice::upstream {
class Client;
}

namespace sluice::pipeline {

class SubRequests;
struct HttpRequest;
using Clock = std::chrono::steady_clock;

// A 16 KiB block from a per-thread free list: the request arena's first block without a malloc
// per request. Blocks return to the list of the thread that frees them, and requests never
// change thread, so the list needs no lock.
class ArenaBlock {
 public:
  static constexpr std::size_t kSize = 16384;
  ArenaBlock();
  ~ArenaBlock();
  ArenaBlock(const ArenaBlock&) = delete;
  ArenaBlock& operator=(const ArenaBlock&) = delete;
  unsigned char* data() { return data_; }
  std::size_t size() const { return kSize; }

 private:
  unsigned char* data_;
};

using routing::AttemptRecord;

// What a guardrail did to one request, per entity or heuristic kind (never the text it found),
// for the access log, the metrics and the ledger. Names point at static text or at the config
// snapshot the request holds.
struct GuardrailEvent {
  std::string_view guardrail;  // its name in the config
  std::string_view action;     // block | mask | monitor
  std::string_view entity;     // EMAIL_ADDRESS, a heuristic's kind (override, ...), deny
  bool output = false;         // found in the answer (else in the request)
  std::uint32_t count = 0;
};

// The request arena: the request's JSON (and the provider's answer, parsed with
// request.body.storage()) and the policies' per-request state live here: a recycled 16 KiB block
// first, more only for big bodies, all freed at once. A base of RequestContext ahead of the
// others, so it is built before and destroyed after everything allocated in it.
class RequestArena {
 public:
  RequestArena() = default;
  RequestArena(const RequestArena&) = delete;
  RequestArena& operator=(const RequestArena&) = delete;
  boost::json::memory_resource& arena() { return arena_; }

 private:
  ArenaBlock block_;
  boost::json::monotonic_resource arena_{block_.data(), block_.size()};
};

// Per-request state shared by the pipeline's stages and policies; what the router needs is its
// routing::RouteCall part. Owned by the handler coroutine for the duration of one request; never
// shared between requests or threads.
struct RequestContext : RequestArena, routing::RouteCall {
  // The body is constructed in the arena (assigning an object keeps the target's storage, so
  // it must start there): what is parsed into request.body.storage() then moves in for free.
  RequestContext() : routing::RouteCall(boost::json::storage_ptr(&arena())) {}

  std::string request_id;
  // The inbound API's path family ("openai", "anthropic", "responses", "mlflow"; a passthrough's
  // provider dialect): the shape the client reads answers and errors in.
  std::string_view api;
  std::string client_address;  // the peer's IP address, as rate limits key on it
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> first_token_at;  // a stream's first content sent
  SubRequests* sub_requests = nullptr;  // a policy's calls to other endpoints (sub_request.hpp)
  // The worker's upstream client, for a policy's own HTTP calls (an external guardrail); null
  // for requests made without one (tests).
  upstream::Client* upstream_client = nullptr;
  // Why the request failed (a policy, the router, a provider), once it has.
  std::optional<Error> error;
  // Who is calling and what it cost; what each policy keeps for itself is in its own state.
  std::string_view presented_key;  // the gateway key the client sent (never logged)
  std::shared_ptr<const config::KeySpec> key;
  // The workspace the request is in (config/workspace.hpp): its key's; without a key, the one
  // server.hosts maps its Host to; else "" (the default). A view into the key or the snapshot.
  std::string_view workspace;
  std::optional<double> cost_usd;  // once usage is known and the model has a price
  std::string streamed_text;       // a stream's text, to count tokens if the provider reports none
  std::uint64_t streamed_tokens = 0;  // tokens of the streamed text already counted and dropped
  bool usage_estimated = false;       // usage counted by sluice's tokenizer, not the provider
  model::Usage usage;                 // provider-reported usage once known
  // The client's HTTP request (headers a policy reads: Cache-Control, x-sluice-cache-ttl, …);
  // valid for the request's whole life. Null for requests made without one (tests).
  const HttpRequest* http = nullptr;
  // Answered by the response cache: no provider was called; the answer's usage is in `usage`,
  // priced as what was saved rather than spent.
  struct CacheHit {
    bool hit = false;
    bool count_tokens = false;  // limits count the hit's tokens (cache.limits_count_tokens)
    std::optional<double> saved_usd;
  } cache;
  // A guardrail changed the request or watches the answer: the answer is neither looked up in
  // nor stored into the response cache (a masked prompt's answer is not the prompt's answer).
  bool guarded = false;
  std::vector<GuardrailEvent> guardrail_events;
  // The payload log (request_log:): this request is logged, and its answer's text as the client
  // got it (after output guardrails; streams assembled), at most the log's max_bytes.
  bool logged = false;
  bool log_answer = false;
  bool answer_logged = false;     // an answer's text was taken (none: a passthrough, an error)
  bool answer_truncated = false;  // past max_bytes + the writer's margin
  std::string logged_answer;
};

}  // namespace sluice::pipeline
