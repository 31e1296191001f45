#pragma once
// A deny list: the operator's own regular expressions (RE2 syntax) and words or phrases, any of
// which in a text makes a guardrail act (a project's code name, a competitor, a banned topic).
// Words match case-insensitively as whole words ("secret" does not match "secretary"); patterns
// as written (add (?i) for case-insensitive). All of them are found in one pass of an RE2::Set,
// then located by the ones that matched.
//
// Immutable once built; find() is safe from any thread. RE2 runs in time linear in the text.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::guardrails {

struct DenyMatch {
  std::size_t begin = 0;  // byte offsets into the text
  std::size_t end = 0;
  std::size_t term = 0;  // which pattern (0…) or word (after the patterns) matched
};

class DenyList {
 public:
  // Throws std::invalid_argument naming the first pattern RE2 refuses (by position, with RE2's
  // reason) or an empty word.
  DenyList(const std::vector<std::string>& patterns, const std::vector<std::string>& words);
  ~DenyList();
  DenyList(const DenyList&) = delete;
  DenyList& operator=(const DenyList&) = delete;

  // Every match in `text`, in order of position, none overlapping.
  std::vector<DenyMatch> find(std::string_view text) const;
  std::size_t size() const;

 private:
  struct Terms;
  std::unique_ptr<Terms> terms_;
};

}  // namespace sluice::guardrails
