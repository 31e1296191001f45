#pragma once
// The guardrails' config: `guardrails:` at the top of the file defines each one by name; an
// endpoint, a route or a gateway key lists the names it wants (`guardrails: [pii, injection]`),
// and a guardrail with `default_on: true` applies to every request. A request gets the union:
// a key may add guardrails to an endpoint, never remove one. docs/guardrails.md.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/deny_list.hpp"
#include "guardrails/detector.hpp"
#include "providers/provider.hpp"
#include "util/url.hpp"

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

// An external check (`type: http`): the text is POSTed to `url` in one of three shapes.
//   openai_moderation  OpenAI's moderations API: {"input": text[, "model"]} →
//                      {"results": [{"flagged", "categories": {name: bool}}]}
//   webhook            {"text": text} → {"flagged": bool, "categories": [names] or {name: bool}}
//   presidio           Presidio analyzer's /analyze: {"text", "language"[, "entities",
//                      "score_threshold"]} → [{"entity_type", "start", "end", "score"}], offsets
//                      in Unicode code points; the only shape that can mask
// One call per request and side: the texts the guardrail reads, joined by a blank line.
struct ExternalCheck {
  enum class Shape : std::uint8_t { kOpenAiModeration, kWebhook, kPresidio };
  Shape shape = Shape::kWebhook;
  util::BaseUrl url;                        // origin and path
  std::string target;                       // path and query sent
  providers::Headers headers;               // `headers:` (values may be secrets; never logged)
  std::chrono::milliseconds timeout{1000};  // the whole call: connect, send, answer
  bool fail_open = true;  // on_failure: open (the request goes on) or closed (it is refused)
  // mode: parallel: a non-streamed request goes to the provider at once and its answer is held
  // until the check passes; before (default): the check passes first.
  bool parallel = false;
  std::string model;                      // openai_moderation: `model` sent, when set
  std::string language = "en";            // presidio
  std::optional<double> score_threshold;  // presidio
  std::vector<std::string> entities;      // presidio: only these entity types
};

struct GuardrailSpec {
  enum class Type : std::uint8_t {
    kPii,              // personal data: the built-in detectors of `entities`
    kSecrets,          // credentials: API keys, private keys, JWTs (the secret entities)
    kDeny,             // the operator's patterns and words
    kPromptInjection,  // guardrails/injection.hpp's heuristics (input only)
    kHttp,             // an external check over HTTP (External below)
  };
  // block: the request is refused (input) or the answer ends as filtered (output); mask: what is
  // found is replaced by a placeholder (pii and secrets only); monitor: counted and logged.
  enum class Action : std::uint8_t { kBlock, kMask, kMonitor };

  std::string name;
  Type type = Type::kPii;
  bool input = true;    // the request's text: every message (tool results too), prompt, input
  bool output = false;  // the answer's text and tool-call arguments, streamed or not
  Action action = Action::kBlock;
  // Values masked on the way in are put back into the answer the client gets.
  bool restore_in_answer = false;
  // prompt_injection: tool results (`tool` messages, Anthropic tool_result, Responses
  // function_call_output) are checked too, not only the user's turns.
  bool include_tool_outputs = false;
  bool default_on = false;  // applies to every request
  // Output streams: how many bytes of text are held back so a value cut between two chunks is
  // still found whole; the first token reaches the client at most this much later.
  std::size_t window_bytes = 256;
  std::shared_ptr<const guardrails::Detector> detector;  // pii, secrets
  std::shared_ptr<const guardrails::DenyList> deny;      // deny
  std::shared_ptr<const ExternalCheck> external;         // http
};

struct GuardrailsConfig {
  std::vector<std::shared_ptr<const GuardrailSpec>> all;  // in the file's order
  std::vector<const GuardrailSpec*> default_on;

  const GuardrailSpec* find(std::string_view name) const {
    for (const auto& g : all) {
      if (g->name == name) return g.get();
    }
    return nullptr;
  }
};

std::string_view guardrail_action_name(GuardrailSpec::Action action);

// The top-level `guardrails:` list. `config_dir`: where a relative words_file is read from.
// Throws LoadError (through `r`) naming the field at fault.
GuardrailsConfig read_guardrails(const Reader& r, const YAML::Node& node,
                                 const std::string& config_dir);

// An endpoint's, route's or key's `guardrails: [names]`, each a name defined above.
std::vector<const GuardrailSpec*> read_guardrail_refs(const Reader& r, const YAML::Node& node,
                                                      const std::string& path,
                                                      const GuardrailsConfig& defined);

}  // namespace sluice::config
