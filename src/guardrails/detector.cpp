#include "guardrails/detector.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

#include "guardrails/validators.hpp"

namespace sluice::guardrails {
namespace {

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Which characters may not touch a finding on either side (so "x4111…" or "1.2.3.4.5" are not
// read as a card or an address).
enum class Edge : std::uint8_t {
  kWord,    // letters, digits, '_'
  kNumber,  // letters, digits, '_', and '.', '-' or '+' joined to a digit beyond
  kKey,     // letters, digits, '_', '-'
  kNone,
};

struct Rule {
  Entity entity;
  std::string_view name;
  std::string_view pattern;
  int group;  // 0: the whole match is the value; 1: the first capture group
  Edge edge;
  std::size_t max_bytes;
  std::function<bool(std::string_view)> valid;
};

bool not_placeholder(std::string_view v) { return !looks_like_placeholder(v); }

bool ipv6_candidate(std::string_view v) {
  // Two groups at least (or "::1"), and a digit somewhere, so "a::b" in code is not an address.
  if (v.find_first_of("0123456789") == std::string_view::npos) return false;
  int groups = 0;
  std::size_t start = 0;
  while (start <= v.size()) {
    const std::size_t end = std::min(v.find(':', start), v.size());
    if (end > start) ++groups;
    start = end + 1;
  }
  return (groups >= 2 || (groups == 1 && v.substr(0, 2) == "::")) && ipv6_valid(v);
}

// The rules. Case-sensitive unless a pattern says (?i).
const std::vector<Rule>& all_rules() {
  static const std::vector<Rule> rules{
      {Entity::kEmailAddress, "email",
       R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})", 0, Edge::kWord,
       320, email_valid},
      {Entity::kPhoneNumber, "phone_e164", R"(\+[1-9][0-9 ().\-]{6,22}[0-9])", 0, Edge::kNumber, 32,
       phone_valid},
      {Entity::kPhoneNumber, "phone_nanp",
       R"(\(?[2-9][0-9]{2}\)?[ .\-]?[2-9][0-9]{2}[.\-][0-9]{4})", 0, Edge::kNumber, 16,
       phone_valid},
      {Entity::kCreditCard, "credit_card", R"([0-9]{4}(?:[ \-]?[0-9]{1,6}){1,4})", 0, Edge::kNumber,
       24, credit_card_valid},
      {Entity::kIbanCode, "iban", R"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{1,4}){3,8})", 0, Edge::kWord, 40,
       iban_valid},
      {Entity::kUsSsn, "us_ssn", R"([0-9]{3}[\- ][0-9]{2}[\- ][0-9]{4})", 0, Edge::kNumber, 11,
       us_ssn_valid},
      {Entity::kIpAddress, "ipv4", R"([0-9]{1,3}(?:\.[0-9]{1,3}){3})", 0, Edge::kNumber, 15,
       ipv4_valid},
      {Entity::kIpAddress, "ipv6",
       R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3})", 0, Edge::kNumber, 45,
       ipv6_candidate},
      {Entity::kUrl, "url", R"((?i)https?://[^\s<>"'`{}|\\^]+)", 0, Edge::kWord, 2048, nullptr},
      {Entity::kApiKey, "aws_access_key", R"((?:AKIA|ASIA)[0-9A-Z]{16})", 0, Edge::kWord, 20,
       not_placeholder},
      {Entity::kApiKey, "anthropic_key", R"(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_\-]{20,})", 0,
       Edge::kKey, 256, not_placeholder},
      {Entity::kApiKey, "openai_key", R"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,})", 0,
       Edge::kKey, 256,
       [](std::string_view v) { return v.substr(0, 7) != "sk-ant-" && not_placeholder(v); }},
      {Entity::kApiKey, "github_token", R"(gh[pousr]_[A-Za-z0-9]{36,})", 0, Edge::kWord, 128,
       not_placeholder},
      {Entity::kApiKey, "github_pat", R"(github_pat_[A-Za-z0-9_]{22,})", 0, Edge::kWord, 128,
       not_placeholder},
      {Entity::kApiKey, "slack_token", R"(xox[abprs]-[0-9A-Za-z\-]{10,})", 0, Edge::kKey, 256,
       not_placeholder},
      {Entity::kApiKey, "google_api_key", R"(AIza[0-9A-Za-z_\-]{35})", 0, Edge::kKey, 39,
       not_placeholder},
      {Entity::kApiKey, "aws_secret_key",
       R"((?i)(?:aws_secret_access_key|aws_secret_key|secret_access_key)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40}))",
       1, Edge::kWord, 40, not_placeholder},
      {Entity::kApiKey, "generic_secret",
       R"((?i)(?:key|secret|token|passwd|password)[A-Za-z0-9_.\-]*["']?\s*[:=]\s*["']?([A-Za-z0-9/+_\-]{20,}))",
       1, Edge::kWord, 256, looks_random},
      {Entity::kJwt, "jwt", R"(eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", 0,
       Edge::kKey, 8192, nullptr},
      {Entity::kPrivateKey, "private_key",
       R"((?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)",
       0, Edge::kNone, 16384, nullptr},
  };
  return rules;
}

bool touches(std::string_view text, std::size_t begin, std::size_t end, Edge edge) {
  if (edge == Edge::kNone) return false;
  auto joins = [&](char c, bool before) {
    if (is_alnum(c) || c == '_') return true;
    if (edge == Edge::kKey) return c == '-';
    if (edge != Edge::kNumber) return false;
    // A '.', '-' or '+' beyond which (or before which) more digits go on.
    if (c != '.' && c != '-' && c != '+') return false;
    if (before) return begin >= 2 && text[begin - 2] >= '0' && text[begin - 2] <= '9';
    return end + 1 < text.size() && text[end + 1] >= '0' && text[end + 1] <= '9';
  };
  return (begin > 0 && joins(text[begin - 1], true)) ||
         (end < text.size() && joins(text[end], false));
}

// A URL's end: sentence punctuation after it is not part of it (a ')' is, when the URL opened
// one).
std::size_t url_end(std::string_view text, std::size_t begin, std::size_t end) {
  while (end > begin) {
    const char c = text[end - 1];
    if (c == ')') {
      const std::string_view url = text.substr(begin, end - begin);
      if (std::count(url.begin(), url.end(), '(') >= std::count(url.begin(), url.end(), ')')) break;
    } else if (std::string_view(".,;:!?'\"]}>*").find(c) == std::string_view::npos) {
      break;
    }
    --end;
  }
  return end;
}

}  // namespace

struct Detector::Rules {
  std::vector<const Rule*> rules;
  std::vector<std::unique_ptr<re2::RE2>> compiled;
  std::unique_ptr<re2::RE2::Set> any;  // which rules match at all, in one pass
};

Detector::Detector(const std::vector<Entity>& entities) : rules_(std::make_unique<Rules>()) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  rules_->any = std::make_unique<re2::RE2::Set>(options, re2::RE2::UNANCHORED);
  for (const Rule& rule : all_rules()) {
    if (!entities.empty() &&
        std::find(entities.begin(), entities.end(), rule.entity) == entities.end())
      continue;
    auto re = std::make_unique<re2::RE2>(rule.pattern, options);
    if (!re->ok() || rules_->any->Add(rule.pattern, nullptr) < 0)
      throw std::logic_error("guardrails: bad built-in pattern " + std::string(rule.name));
    rules_->rules.push_back(&rule);
    rules_->compiled.push_back(std::move(re));
  }
  if (!rules_->any->Compile()) throw std::logic_error("guardrails: the pattern set is too large");
}

Detector::~Detector() = default;

std::size_t Detector::max_span() const {
  std::size_t most = 0;
  for (const Rule* rule : rules_->rules) most = std::max(most, rule->max_bytes);
  return most;
}

std::vector<Finding> Detector::scan(std::string_view text) const {
  std::vector<Finding> found;
  if (rules_->rules.empty() || text.empty()) return found;
  std::vector<int> matched;
  if (!rules_->any->Match(text, &matched)) return found;
  for (int index : matched) {
    const Rule& rule = *rules_->rules[static_cast<std::size_t>(index)];
    const re2::RE2& re = *rules_->compiled[static_cast<std::size_t>(index)];
    re2::StringPiece parts[2];
    std::size_t at = 0;
    while (at < text.size() &&
           re.Match(text, at, text.size(), re2::RE2::UNANCHORED, parts, rule.group + 1)) {
      const re2::StringPiece whole = parts[0];
      const re2::StringPiece value = parts[rule.group];
      std::size_t begin = static_cast<std::size_t>(value.data() - text.data());
      std::size_t end = begin + value.size();
      const std::size_t whole_begin = static_cast<std::size_t>(whole.data() - text.data());
      if (rule.entity == Entity::kUrl) end = url_end(text, begin, end);
      // A candidate that fails may hold a valid value ending earlier, at a separator: "4111 1111
      // 1111 1111 2024" is a card and a year.
      bool ok = false;
      for (std::size_t e = end; e > begin; --e) {
        if (e != end && std::string_view(" -.:").find(text[e]) == std::string_view::npos) continue;
        const std::string_view v = text.substr(begin, e - begin);
        if (touches(text, begin, e, rule.edge) || (rule.valid && !rule.valid(v))) {
          if (rule.group != 0 || rule.entity == Entity::kUrl) break;  // no shorter value
          continue;
        }
        found.push_back(Finding{rule.entity, begin, e, rule.name});
        end = e;
        ok = true;
        break;
      }
      if (ok) {
        at = end;
        continue;
      }
      at = whole_begin + 1;
      // A value may not start inside a run of letters and digits (it would touch the one before
      // it), so the next try starts after the run: a long number is not retried at each digit.
      if (rule.group == 0 && rule.edge != Edge::kNone) {
        while (at < text.size() && is_alnum(text[at]) && is_alnum(text[at - 1])) ++at;
      }
    }
  }
  // In order; where two overlap, the one starting first, then the longer, stays.
  std::sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<Finding> out;
  for (const auto& f : found) {
    if (!out.empty() && f.begin < out.back().end) continue;
    out.push_back(f);
  }
  return out;
}

}  // namespace sluice::guardrails
