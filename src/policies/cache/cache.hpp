#pragma once
// The response cache (`cache:` on endpoints, routes, or at the top; docs/cache.md): a request
// whose exact twin was answered cleanly before, for the same endpoint and tenant, is answered
// from the stored answer without calling a provider, in the client's dialect, streamed when it
// asked for a stream.
//
//   request       key the effective request (after templates: this runs after the prompt
//                 policy; cache/cache_key.hpp), look it up (in process, or one Redis round trip),
//                 and answer a hit. A miss whose twin is already in flight waits for it (at most
//                 single_flight_wait) and is answered from what it stored. Redis down: a miss,
//                 counted, never an error.
//   answer        store a clean answer (every choice finished with one of finish_reasons).
//   stream_event  record the stream's events, up to max_entry_bytes.
//   usage         a recorded stream that ended cleanly is stored, with its final usage.
//   complete      the miss in flight lands: its waiters look again.
//   headers       x-sluice-cache: hit | miss | bypass | refresh, and x-sluice-cache-age (s).
// Client controls (unless client_controls: false): Cache-Control no-cache (refresh: go to the
// provider and store), no-store (never store this answer), max-age=N (only an entry at most N s
// old); x-sluice-cache-ttl: N (store for N s, at most ttl_s). A hit costs nothing: the ledger
// records its tokens as cached and its price as saved_usd (policies/accounting), limits count it
// as a request of 0 tokens (limits_count_tokens: true counts them), and it spends no budget
// (budgets are checked before: a spent budget refuses even a request a hit would answer).

#include <chrono>
#include <string>
#include <vector>

#include "cache/response_cache.hpp"
#include "cache/semantic_prompt.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

struct CacheState {
  enum class Outcome : std::uint8_t { kNone, kMiss, kHit, kBypass, kRefresh };
  const config::CacheSpec* spec = nullptr;
  std::optional<config::CacheSpec> keyed;  // the endpoint's spec with the key's own applied
  Outcome outcome = Outcome::kNone;
  std::string key;  // the entry's store key
  std::string endpoint;
  std::string scope;
  bool store = false;           // the answer is to be stored
  bool leading = false;         // holds the single-flight slot of `key`
  bool only_if_cached = false;  // Cache-Control: only-if-cached (a miss is a 504)
  bool lead_tried = false;      // lead_or_wait ran
  std::chrono::milliseconds ttl{0};
  std::int64_t max_age_s = -1;             // the client's max-age; -1: none
  std::int64_t age_s = 0;                  // a hit's age
  std::vector<model::StreamEvent> events;  // the stream being recorded
  std::size_t recorded_bytes = 0;
  bool stream_ended = false;
  // Semantic mode: what is embedded and the context it must share (set when the request is one
  // the semantic cache looks up), its embedding once known, the threshold for this request, and
  // a hit's similarity.
  std::optional<cache::SemanticPrompt> semantic;
  std::vector<float> unit;
  double threshold = 1;
  std::optional<double> similarity;
};

class CachePolicy : public pipeline::Stateful<CacheState> {
 public:
  explicit CachePolicy(cache::ResponseCache& cache) : cache_(cache) {}
  std::string_view name() const override { return "cache"; }
  unsigned hooks() const override {
    return kRequest | kAnswer | kStreamEvent | kStreamEnd | kUsage | kComplete | kHeaders;
  }
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  boost::asio::awaitable<pipeline::Step> on_request_async(pipeline::RequestContext& ctx,
                                                          void* state) const override;
  pipeline::Step on_answer(pipeline::RequestContext& ctx, void* state,
                           model::Response& answer) const override;
  pipeline::EventVerdict on_stream_event(pipeline::RequestContext& ctx, void* state,
                                         model::StreamEvent& event,
                                         pipeline::StreamOut& out) const override;
  pipeline::EventVerdict on_stream_end(pipeline::RequestContext& ctx, void* state,
                                       pipeline::StreamOut& out) const override;
  void on_usage(pipeline::RequestContext& ctx, void* state) const override;
  void on_complete(pipeline::RequestContext& ctx, void* state,
                   const pipeline::Outcome& outcome) const override;
  void add_headers(const pipeline::RequestContext& ctx, const void* state,
                   pipeline::HeaderList& headers) const override;

 private:
  // The entry served as this request's answer.
  pipeline::Step answer_with(pipeline::RequestContext& ctx, CacheState& st,
                             const cache::AnswerPtr& found) const;
  // Whether `found` may answer this request (fresh enough for the client).
  bool usable(const CacheState& st, const cache::AnswerPtr& found) const;
  void keep(CacheState& st, const model::Response& answer) const;
  // A miss: next, or with only-if-cached a 504.
  pipeline::Step miss(CacheState& st) const;
  // A miss: lead its single flight (next), or, when another leads and waiting is allowed,
  // nullopt (wait for it).
  std::optional<pipeline::Step> lead_or_wait(CacheState& st) const;
  // The entry under `key` in the store the spec names; nullopt when Redis did not answer.
  boost::asio::awaitable<std::optional<cache::AnswerPtr>> look(CacheState& st,
                                                               const std::string& key) const;
  // Semantic mode: embeds the prompt (a sub-request to embeddings_endpoint) and looks for a
  // similar one's answer; nullopt when there is none (or no embedding: then st.semantic is
  // cleared and the request is cached exactly only).
  boost::asio::awaitable<std::optional<cache::AnswerPtr>> look_similar(
      pipeline::RequestContext& ctx, CacheState& st) const;
  // x-sluice-cache-threshold (it may only raise the spec's) into st.threshold.
  std::optional<Error> read_threshold(const pipeline::RequestContext& ctx, CacheState& st) const;

  cache::ResponseCache& cache_;
};

}  // namespace sluice::policies
