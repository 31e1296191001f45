#pragma once
// The built-in detectors: RE2 patterns for each entity (guardrails/entity.hpp), found in one pass
// of an RE2::Set over the text (which rules match at all), then located by the rules that did and
// confirmed by their validators (guardrails/validators.hpp). Patterns in the style of Gitleaks'
// rules for secrets; Presidio's recognizers for personal data. docs/guardrails.md lists them.
//
// Immutable once built; scan() is safe from any thread. RE2 runs in time linear in the text.

#include <memory>
#include <string_view>
#include <vector>

#include "guardrails/entity.hpp"

namespace sluice::guardrails {

struct Finding {
  Entity entity;
  std::size_t begin = 0;  // byte offsets into the scanned text
  std::size_t end = 0;
  std::string_view rule;  // which rule found it ("credit_card", "openai_key", ...)
};

class Detector {
 public:
  // The detectors of `entities` (empty: all of them).
  explicit Detector(const std::vector<Entity>& entities = {});
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Every entity found in `text`, in order, none overlapping (where two would, the one starting
  // first wins, then the longer).
  std::vector<Finding> scan(std::string_view text) const;

  // The longest span a finding of these entities may have, in bytes: how much of a stream a
  // guardrail must hold back so a value cut between two chunks is still found whole.
  std::size_t max_span() const;

 private:
  struct Rules;
  std::unique_ptr<Rules> rules_;
};

}  // namespace sluice::guardrails
