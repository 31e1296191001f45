#pragma once
// The mock provider's in-process "server": answers OpenAI-dialect requests deterministically,
// with configurable text, latency, usage and stream pacing. Used by the quick start, tests and
// benchmarks, so they need no key and no network.

#include <chrono>
#include <optional>
#include <string>

#include "providers/provider.hpp"

namespace sluice::providers::mock {

struct MockSettings {
  std::string text =
      "Hello from the sluice mock provider. Point an endpoint at a real provider to get real "
      "answers.";
  bool echo = false;                         // answer with the last user message instead of `text`
  std::chrono::milliseconds latency{0};      // before the first byte
  std::chrono::milliseconds chunk_delay{0};  // between stream chunks
  std::optional<unsigned> stream_chunks;     // default: one chunk per word
  std::optional<std::uint64_t> prompt_tokens;      // default: words in the prompt
  std::optional<std::uint64_t> completion_tokens;  // default: words in the answer
  bool report_usage = true;
  unsigned embedding_dims = 8;
  std::optional<unsigned> fail_status;  // answer every request with this HTTP error
};

class MockResponder : public LocalResponder {
 public:
  explicit MockResponder(MockSettings settings) : settings_(std::move(settings)) {}
  LocalReply respond(const UpstreamRequest& request) const override;

 private:
  MockSettings settings_;
};

}  // namespace sluice::providers::mock
