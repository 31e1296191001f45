#include "guardrails/deny_list.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <stdexcept>

namespace sluice::guardrails {

struct DenyList::Terms {
  std::vector<std::unique_ptr<re2::RE2>> each;
  std::unique_ptr<re2::RE2::Set> any;
};

DenyList::DenyList(const std::vector<std::string>& patterns, const std::vector<std::string>& words)
    : terms_(std::make_unique<Terms>()) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64LL << 20);
  terms_->any = std::make_unique<re2::RE2::Set>(options, re2::RE2::UNANCHORED);
  std::vector<std::string> all = patterns;
  for (const auto& w : words) {
    if (w.empty()) throw std::invalid_argument("an empty word");
    // \b on the ends that are word characters, so a phrase ending in punctuation still matches.
    const auto wordy = [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    std::string p = "(?i)";
    if (wordy(w.front())) p += "\\b";
    p += re2::RE2::QuoteMeta(w);
    if (wordy(w.back())) p += "\\b";
    all.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto re = std::make_unique<re2::RE2>(all[i], options);
    const std::string what = i < patterns.size()
                                 ? "pattern " + std::to_string(i + 1)
                                 : "word " + std::to_string(i - patterns.size() + 1);
    if (!re->ok()) throw std::invalid_argument(what + ": " + re->error());
    std::string error;
    if (terms_->any->Add(all[i], &error) < 0) throw std::invalid_argument(what + ": " + error);
    terms_->each.push_back(std::move(re));
  }
  if (!all.empty() && !terms_->any->Compile())
    throw std::invalid_argument("the patterns together are too large to compile");
}

DenyList::~DenyList() = default;

std::size_t DenyList::size() const { return terms_->each.size(); }

std::vector<DenyMatch> DenyList::find(std::string_view text) const {
  std::vector<DenyMatch> out;
  if (terms_->each.empty()) return out;
  std::vector<int> hit;
  if (!terms_->any->Match(text, &hit)) return out;
  for (const int i : hit) {
    const re2::RE2& re = *terms_->each[static_cast<std::size_t>(i)];
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece m;
    std::size_t pos = 0;
    while (pos <= text.size() && re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, &m, 1)) {
      const auto b = static_cast<std::size_t>(m.data() - text.data());
      const std::size_t e = b + m.size();
      // An empty match ("x*") denies nothing: it moves on one byte.
      if (e > b) out.push_back({b, e, static_cast<std::size_t>(i)});
      pos = e > b ? e : e + 1;
    }
  }
  std::sort(out.begin(), out.end(), [](const DenyMatch& a, const DenyMatch& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<DenyMatch> kept;
  for (const auto& m : out) {
    if (kept.empty() || m.begin >= kept.back().end) kept.push_back(m);
  }
  return kept;
}

}  // namespace sluice::guardrails
