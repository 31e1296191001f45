#pragma once
// Prompt-injection heuristics: text in a user message or a tool's output (a fetched page, a
// search result, a file) that tries to take over the model. Each heuristic is a documented
// pattern family (docs/guardrails.md), not a model; measured on tests/fixtures/guardrails/
// injection.jsonl for precision and recall.
//
//   override        orders to ignore, disregard or replace the earlier / system instructions;
//                   unrestricted personas ("you are now DAN", "jailbreak mode enabled"); English,
//                   German, French, Spanish
//   role_spoof      chat-template and role markers smuggled into content (<|im_start|>system,
//                   [INST], <<SYS>>, </s>, a "System:" line, "BEGIN SYSTEM PROMPT")
//   encoded         base64 or hex that decodes to text with an override in it
//   hidden_unicode  Unicode tag characters (U+E0000-E007F), bidirectional controls
//                   (U+202A-202E, U+2066-2069), zero-width characters inside words
//   exfiltration    markdown images or links, or <img src>, whose URL carries data to fill in
//                   ({conversation}, ?data=<…>), and orders to send secrets or the conversation
//                   to a URL
//
// Thread-safe; the patterns are compiled once.

#include <string_view>
#include <vector>

namespace sluice::guardrails {

struct InjectionSignal {
  std::string_view kind;  // one of the names above
  std::size_t begin = 0;  // byte offsets into the text (for encoded: the blob)
  std::size_t end = 0;
};

// Every signal found in `text`, in order of kind then position. Empty: nothing suspicious.
std::vector<InjectionSignal> injection_signals(std::string_view text);

}  // namespace sluice::guardrails
