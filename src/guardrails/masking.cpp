#include "guardrails/masking.hpp"

#include <algorithm>

namespace sluice::guardrails {
namespace {

// A placeholder's inside: capitals and '_' then '_' and digits ("EMAIL_ADDRESS_1").
bool placeholder_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The longest placeholder any table gives out: "<PHONE_NUMBER_" and up to 20 digits.
constexpr std::size_t kLongestPlaceholder = 40;

}  // namespace

const std::string& MaskTable::placeholder(Entity entity, std::string_view value) {
  return placeholder(entity_name(entity), value);
}

const std::string& MaskTable::placeholder(std::string_view type, std::string_view value) {
  std::string key(type);
  key += '\0';
  key += value;
  auto [it, added] = by_value_.try_emplace(std::move(key));
  if (added) {
    std::string name(type);
    name.insert(name.begin(), '<');  // (appends, not "<" + …: GCC 12 warns falsely, -Wrestrict)
    name += '_';
    auto count = counts_.find(type);
    if (count == counts_.end()) count = counts_.emplace(std::string(type), 0).first;
    name += std::to_string(++count->second);
    name += '>';
    it->second = std::move(name);
    by_placeholder_.emplace(it->second, std::string(value));
    longest_ = std::max(longest_, it->second.size());
  }
  return it->second;
}

const std::string* MaskTable::value_of(std::string_view placeholder) const {
  auto it = by_placeholder_.find(std::string(placeholder));
  return it == by_placeholder_.end() ? nullptr : &it->second;
}

std::string mask(const Detector& detector, std::string_view text, MaskTable& table,
                 std::vector<Finding>* found) {
  const auto findings = detector.scan(text);
  if (findings.empty()) return std::string(text);
  if (found != nullptr) found->insert(found->end(), findings.begin(), findings.end());
  return mask_findings(text, findings, table);
}

std::string mask_findings(std::string_view text, const std::vector<Finding>& findings,
                          MaskTable& table) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const auto& f : findings) {
    out.append(text.substr(at, f.begin - at));
    out += table.placeholder(f.entity, text.substr(f.begin, f.end - f.begin));
    at = f.end;
  }
  out.append(text.substr(at));
  return out;
}

std::string restore(std::string_view text, const MaskTable& table) {
  if (table.size() == 0) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('<', at);
    if (open == std::string_view::npos) break;
    std::size_t close = open + 1;
    while (close < text.size() && placeholder_char(text[close])) ++close;
    if (close < text.size() && text[close] == '>') {
      if (const std::string* value = table.value_of(text.substr(open, close + 1 - open))) {
        out.append(text.substr(at, open - at));
        out += *value;
        at = close + 1;
        continue;
      }
    }
    out.append(text.substr(at, open + 1 - at));
    at = open + 1;
  }
  out.append(text.substr(at));
  return out;
}

std::string StreamMasker::emit(std::size_t upto) {
  // Mask what is settled: the findings wholly before `upto`. The scan covers the whole buffer
  // (the context after them, as mask() of the whole text would see it) and the few bytes already
  // sent before it (the context before: "x4111…" is no card).
  const auto findings = detector_.scan(buffer_);
  std::string out;
  std::size_t at = context_;
  for (const auto& f : findings) {
    if (f.begin < context_) continue;
    if (f.begin >= upto) break;
    if (f.end > upto) {
      upto = f.begin;  // reaches into what is held: held with it
      break;
    }
    out.append(buffer_, at, f.begin - at);
    out += table_.placeholder(f.entity, std::string_view(buffer_).substr(f.begin, f.end - f.begin));
    found_.push_back(
        Finding{f.entity, offset_ + f.begin - context_, offset_ + f.end - context_, f.rule});
    at = f.end;
  }
  if (upto < at) upto = at;
  out.append(buffer_, at, upto - at);
  offset_ += upto - context_;
  // Keep a little of what went out as the next scan's context before.
  const std::size_t keep = std::min<std::size_t>(upto, kContextBytes);
  buffer_.erase(0, upto - keep);
  context_ = keep;
  return out;
}

std::string StreamMasker::feed(std::string_view piece) {
  buffer_.append(piece);
  if (buffer_.size() - context_ <= window_) return {};
  return emit(buffer_.size() - window_);
}

std::string StreamMasker::finish() { return emit(buffer_.size()); }

std::string StreamRestorer::feed(std::string_view piece) {
  pending_.append(piece);
  // Hold from a '<' that may still become a placeholder: only placeholder characters after it,
  // not yet closed, and short enough.
  std::size_t hold = pending_.size();
  const std::size_t open = pending_.rfind('<');
  if (open != std::string::npos && pending_.size() - open <= kLongestPlaceholder &&
      std::all_of(pending_.begin() + static_cast<std::ptrdiff_t>(open) + 1, pending_.end(),
                  placeholder_char)) {
    hold = open;
  }
  std::string out = restore(std::string_view(pending_).substr(0, hold), table_);
  pending_.erase(0, hold);
  return out;
}

std::string StreamRestorer::finish() {
  std::string out = restore(pending_, table_);
  pending_.clear();
  return out;
}

}  // namespace sluice::guardrails
