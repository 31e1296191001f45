// The shapes of external checks: what each is sent and how its answer is read (pure; the
// fuzzer guardrail_answer_fuzz runs read_answer on its own).
#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "policies/guardrails/external.hpp"

namespace sluice::policies::external {
namespace json = boost::json;
using Shape = config::ExternalCheck::Shape;

namespace {

constexpr std::size_t kMaxLabels = 256;
constexpr std::size_t kMaxLabelBytes = 24;

Error unreadable(const std::string& why) {
  return Error::make(ErrorCode::kUpstreamUnavailable, "unreadable answer: " + why);
}

// Every category set to true in {name: bool}, or named in [names].
void categories(const json::value* v, std::vector<Hit>& out) {
  if (v == nullptr) return;
  if (const auto* o = v->if_object()) {
    for (const auto& kv : *o) {
      if (kv.value().is_bool() && kv.value().get_bool())
        out.push_back({0, 0, label(kv.key(), false)});
    }
  } else if (const auto* a = v->if_array()) {
    for (const auto& c : *a) {
      if (c.is_string()) out.push_back({0, 0, label(c.get_string(), false)});
    }
  }
}

// The byte offset of code point `cp` in UTF-8 `text` (its size when past the end).
std::size_t byte_of(std::string_view text, std::uint64_t cp) {
  std::size_t i = 0;
  for (std::uint64_t n = 0; i < text.size() && n < cp; ++n) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0U) == 0x80U) ++i;
  }
  return i;
}

}  // namespace

std::string_view label(std::string_view raw, bool upper) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> interned;
  std::string clean;
  for (char c : raw.substr(0, kMaxLabelBytes)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || (!upper && (c == '-' || c == '/' || c == '.'));
    if (!ok) {
      clean += '_';
    } else {
      clean += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
  }
  if (clean.empty()) return "other";
  std::lock_guard lock(mutex);
  auto it = interned.find(clean);
  if (it == interned.end()) {
    if (interned.size() >= kMaxLabels) return "other";
    it = interned.insert(std::move(clean)).first;
  }
  return *it;
}

std::string request_body(const config::ExternalCheck& check, std::string_view text) {
  json::object o;
  switch (check.shape) {
    case Shape::kOpenAiModeration:
      o["input"] = text;
      if (!check.model.empty()) o["model"] = check.model;
      break;
    case Shape::kWebhook:
      o["text"] = text;
      break;
    case Shape::kPresidio: {
      o["text"] = text;
      o["language"] = check.language;
      if (check.score_threshold) o["score_threshold"] = *check.score_threshold;
      if (!check.entities.empty()) {
        json::array e;
        for (const auto& name : check.entities) e.emplace_back(name);
        o["entities"] = std::move(e);
      }
      break;
    }
  }
  return json::serialize(o);
}

Result<std::vector<Hit>> read_answer(const config::ExternalCheck& check, std::string_view body,
                                     std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return unreadable("not JSON");
  std::vector<Hit> out;
  switch (check.shape) {
    case Shape::kOpenAiModeration: {
      const auto* results = v.is_object() ? v.get_object().if_contains("results") : nullptr;
      if (results == nullptr || !results->is_array()) return unreadable("no results list");
      for (const auto& r : results->get_array()) {
        const auto* flagged = r.is_object() ? r.get_object().if_contains("flagged") : nullptr;
        if (flagged == nullptr || !flagged->is_bool())
          return unreadable("a result without flagged");
        if (!flagged->get_bool()) continue;
        const std::size_t before = out.size();
        categories(r.get_object().if_contains("categories"), out);
        if (out.size() == before) out.push_back({0, 0, "flagged"});
      }
      break;
    }
    case Shape::kWebhook: {
      const auto* flagged = v.is_object() ? v.get_object().if_contains("flagged") : nullptr;
      if (flagged == nullptr || !flagged->is_bool()) return unreadable("no boolean flagged");
      if (flagged->get_bool()) {
        categories(v.get_object().if_contains("categories"), out);
        if (out.empty()) out.push_back({0, 0, "flagged"});
      }
      break;
    }
    case Shape::kPresidio: {
      if (!v.is_array()) return unreadable("not a list of results");
      for (const auto& r : v.get_array()) {
        const auto* o = r.if_object();
        const auto* type = o != nullptr ? o->if_contains("entity_type") : nullptr;
        const auto* start = o != nullptr ? o->if_contains("start") : nullptr;
        const auto* end = o != nullptr ? o->if_contains("end") : nullptr;
        if (type == nullptr || !type->is_string() || start == nullptr || end == nullptr ||
            !start->is_int64() || !end->is_int64() || start->get_int64() < 0 ||
            end->get_int64() <= start->get_int64())
          return unreadable("a result without entity_type, start and end");
        const std::size_t b = byte_of(text, static_cast<std::uint64_t>(start->get_int64()));
        const std::size_t e = byte_of(text, static_cast<std::uint64_t>(end->get_int64()));
        if (e > b) out.push_back({b, e, label(type->get_string(), true)});
      }
      std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
      });
      std::vector<Hit> kept;
      for (const auto& h : out) {
        if (kept.empty() || h.begin >= kept.back().end) kept.push_back(h);
      }
      out = std::move(kept);
      break;
    }
  }
  return out;
}

}  // namespace sluice::policies::external
