#pragma once
// The guardrails (config/guardrails.hpp, docs/guardrails.md) on one request: the request's texts
// checked and masked before it goes out, the answer's checked, masked and given its masked values
// back before the client sees it, streamed or not.
//
// Which guardrails: those with default_on, the endpoint's, the route's, the gateway key's (a union,
// in that order; a key adds, never removes). A blocked request is a 400 with code
// guardrail_blocked naming the guardrail and what kind of thing it found, never the text. A
// blocked answer ends with finish_reason content_filter (Anthropic's stop_reason refusal, the
// Responses API's incomplete/content_filter), or MLflow's error on MLflow's paths; a stream is
// cut there. Output streams pass through a hold-back window per guardrail (window_bytes) so a
// value cut between chunks is still caught; tool-call arguments are held until complete, then
// checked whole. Every finding is counted in RequestContext::guardrail_events (access log,
// metrics). A request a guardrail changed or watches the answer of is not cached (ctx.guarded).

#include <memory>
#include <optional>
#include <vector>

#include "config/guardrails.hpp"
#include "guardrails/masking.hpp"
#include "pipeline/policy.hpp"
#include "policies/guardrails/stream_scan.hpp"

namespace sluice::policies {

// One output guardrail on one streamed choice's text.
struct GuardrailStage {
  const config::GuardrailSpec* spec = nullptr;
  std::unique_ptr<guardrails::StreamMasker> masker;  // action mask
  std::optional<StreamScan> scan;                    // block, monitor
  std::size_t noted = 0;                             // masker findings already counted
};

// One streamed choice (`choices[].index`).
struct ChoiceStream {
  std::int64_t index = 0;
  std::vector<GuardrailStage> stages;
  std::optional<guardrails::StreamRestorer> restorer;
  std::vector<model::StreamEvent> held_tools;  // tool-call deltas, until the choice ends
  bool done = false;
  // The choice's reasoning text (delta.reasoning_content), through stages of its own.
  std::unique_ptr<ChoiceStream> reasoning;
};

// An external check started alongside the provider call (mode: parallel; external.cpp).
struct ParallelCheck;

struct GuardrailsState {
  std::vector<const config::GuardrailSpec*> output;  // the request's output guardrails, in order
  guardrails::MaskTable table;  // placeholders of the request and of the answer
  // The request's placeholders alone, when they are to be put back into the answer (one the
  // answer's own masking gave out is not).
  std::optional<guardrails::MaskTable> restore;
  std::vector<ChoiceStream> streams;
  bool blocked = false;     // the answer was cut: the rest of the stream is dropped
  model::StreamEvent like;  // the stream's first chunk without choices: id, model, created
  bool restoring = false;   // a guardrail masking the input wants its values back in the answer
  // External checks (type http) of the request, and of a non-streamed answer.
  std::vector<const config::GuardrailSpec*> http_input;
  std::vector<const config::GuardrailSpec*> http_output;
  std::vector<std::shared_ptr<ParallelCheck>> parallel;  // running while the provider answers
};

class GuardrailsPolicy : public pipeline::Stateful<GuardrailsState> {
 public:
  // Whether any guardrail applies to a request for ctx.endpoint (and ctx.route, ctx.key): what
  // must not send the client's text anywhere unchecked (the token counter) asks.
  static bool applies(const pipeline::RequestContext& ctx);
  std::string_view name() const override { return "guardrails"; }
  unsigned hooks() const override { return kRequest | kAnswer | kStreamEvent | kStreamEnd; }
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  // External checks of the request (type http): before it goes, or started alongside it.
  boost::asio::awaitable<pipeline::Step> on_request_async(pipeline::RequestContext& ctx,
                                                          void* state) const override;
  pipeline::Step on_answer(pipeline::RequestContext& ctx, void* state,
                           model::Response& answer) const override;
  // Waits for the parallel checks, then the answer's external checks.
  boost::asio::awaitable<pipeline::Step> on_answer_async(pipeline::RequestContext& ctx, void* state,
                                                         model::Response& answer) const override;
  pipeline::EventVerdict on_stream_event(pipeline::RequestContext& ctx, void* state,
                                         model::StreamEvent& event,
                                         pipeline::StreamOut& out) const override;
  pipeline::EventVerdict on_stream_end(pipeline::RequestContext& ctx, void* state,
                                       pipeline::StreamOut& out) const override;
};

}  // namespace sluice::policies
