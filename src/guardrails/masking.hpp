#pragma once
// Masking what the detectors find (guardrails/detector.hpp) with placeholders, and putting the
// values back: for a whole text, and for a stream that arrives in pieces cut anywhere.
//
// A placeholder names the entity and a number, "<EMAIL_ADDRESS_1>", "<CREDIT_CARD_2>": the same
// value gets the same placeholder everywhere in one request (a MaskTable lives as long as the
// request), so a model can still tell two people apart, and the answer can be given back with
// the values restored. The table never leaves the process: it is not logged, stored or sent.
//
// Not thread-safe: one request's table and streams are used by one thread at a time.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "guardrails/detector.hpp"

namespace sluice::guardrails {

class MaskTable {
 public:
  // The placeholder of `value` found as `entity` (a new one the first time).
  const std::string& placeholder(Entity entity, std::string_view value);
  // The same for a type named by an external analyzer (Presidio's "PERSON", "LOCATION"):
  // `type` of capitals, digits and '_' only (anything else makes restoring miss it).
  const std::string& placeholder(std::string_view type, std::string_view value);
  // The value behind `placeholder` ("<EMAIL_ADDRESS_1>"), or null when it is not one of this
  // table's.
  const std::string* value_of(std::string_view placeholder) const;
  std::size_t size() const { return by_placeholder_.size(); }
  // The longest placeholder given out, in bytes.
  std::size_t longest() const { return longest_; }
  // Calls f(placeholder, value) for each value masked so far.
  template <class F>
  void each(F&& f) const {
    for (const auto& [placeholder, value] : by_placeholder_) f(placeholder, value);
  }

 private:
  std::unordered_map<std::string, std::string> by_value_;        // entity name '\0' value
  std::unordered_map<std::string, std::string> by_placeholder_;  // placeholder -> value
  std::map<std::string, std::size_t, std::less<>> counts_;       // by type name
  std::size_t longest_ = 0;
};

// `text` with every finding of `detector` replaced by its placeholder in `table`; what was found
// is appended to `found` when given (offsets into `text`).
std::string mask(const Detector& detector, std::string_view text, MaskTable& table,
                 std::vector<Finding>* found = nullptr);

// `text` with each of `findings` (from a scan of `text`: in order, not overlapping) replaced by its
// placeholder in `table`.
std::string mask_findings(std::string_view text, const std::vector<Finding>& findings,
                          MaskTable& table);

// `text` with every placeholder of `table` replaced by its value; anything else, including
// placeholder-like text the table does not know, as it is.
std::string restore(std::string_view text, const MaskTable& table);

// Masking a stream: holds back the last `window` bytes (and any finding reaching into them) so a
// value cut between pieces is found whole, and passes the rest on masked. The output of all
// feed()s and finish() equals mask() of the whole text. `window` should be at least the longest
// value to be found (a longer one cut between pieces may be missed).
class StreamMasker {
 public:
  StreamMasker(const Detector& detector, MaskTable& table, std::size_t window)
      : detector_(detector), table_(table), window_(window) {}
  // The masked text that can go out now.
  std::string feed(std::string_view piece);
  // The rest, masked, at the end of the stream.
  std::string finish();
  // Bytes held back now.
  std::size_t held() const { return buffer_.size() - context_; }
  // Findings so far (offsets into the whole stream's text).
  const std::vector<Finding>& found() const { return found_; }

 private:
  std::string emit(std::size_t upto);
  const Detector& detector_;
  MaskTable& table_;
  std::size_t window_;
  static constexpr std::size_t kContextBytes = 16;
  std::string buffer_;  // context_ bytes already sent, then the held bytes
  std::size_t context_ = 0;
  std::size_t offset_ = 0;  // of the held bytes in the whole stream
  std::vector<Finding> found_;
};

// Restoring a stream: a placeholder cut between pieces is held until it is whole.
class StreamRestorer {
 public:
  explicit StreamRestorer(const MaskTable& table) : table_(table) {}
  std::string feed(std::string_view piece);
  std::string finish();

 private:
  const MaskTable& table_;
  std::string pending_;
};

}  // namespace sluice::guardrails
