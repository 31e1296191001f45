#include "guardrails/injection.hpp"

#include <re2/re2.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "util/base64.hpp"

namespace sluice::guardrails {
namespace {

struct Family {
  std::string_view kind;
  std::unique_ptr<re2::RE2> re;
};

std::unique_ptr<re2::RE2> compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) throw std::logic_error("guardrails: bad injection pattern: " + re->error());
  return re;
}

// The override phrases: a verb of dismissal, then (within a clause) what came before, then the
// instructions themselves; and the personas and replacement headers.
constexpr std::string_view kOverride =
    R"(\b(?:ignore|disregard|forget|override|bypass|drop|discard)\b[^.\n]{0,40}?\b(?:previous|prior|preceding|above|earlier|system|original|initial|old|all)\b[^.\n]{0,25}?\b(?:instructions?|prompts?|rules|guidelines|directions|directives|orders|constraints)\b)"
    R"(|\byou are now\b[^.\n]{0,30}\b(?:dan|unrestricted|unfiltered|jailbroken|uncensored|no longer bound|free from)\b)"
    R"(|\b(?:developer|jailbreak|god|dan) mode\b[^.\n]{0,15}\b(?:enabled|activated|on|engaged)\b)"
    R"(|\bdo anything now\b)"
    R"(|\b(?:forget|disregard|ignore) (?:everything|all|anything)\b[^.\n]{0,30}\b(?:told|above|before|said|earlier|so far)\b)"
    R"(|\bignore (?:the |all |any )?(?:above|previous|prior)\b)"
    R"(|\b(?:policies|rules|guidelines|restrictions|filters) (?:no longer apply|are (?:now )?(?:disabled|off|lifted))\b|\bhas no (?:rules|restrictions|limits)\b)"
    R"(|\b(?:olvida|olvide) todo\b|\bvergiss alles\b|\boublie[rz]? tout\b)"
    R"(|\b(?:new|updated|real|actual|revised) (?:system )?(?:instructions|prompt|orders|rules)\s*:)"
    R"(|\bfrom now on\b[^.\n]{0,60}\b(?:no|without|ignore|never) (?:restrictions|rules|limits|filters|guidelines|censorship)\b)"
    // German, French, Spanish.
    R"(|\b(?:ignorier\w*|vergiss|vergessen sie|missacht\w*)\b[^.\n]{0,40}\b(?:vorherigen|bisherigen|obigen|vorigen|alle)\b[^.\n]{0,25}\b(?:anweisungen|instruktionen|regeln|befehle|vorgaben)\b)"
    R"(|\b(?:ignore[rz]?|oublie[rz]?|oubliez)\b[^.\n]{0,40}\b(?:instructions|consignes|règles|directives)\b)"
    R"(|\b(?:ignora|ignore|olvida|olvide|omite)\b[^.\n]{0,40}\b(?:instrucciones|reglas|indicaciones|directrices)\b)";

constexpr std::string_view kRoleSpoof =
    R"(<\|im_start\|>\s*(?:system|assistant)|<\|(?:system|assistant|endoftext|im_end)\|>)"
    R"(|\[/?INST\]|<</?SYS>>|</s>)"
    R"(|(?m:^[ \t]*(?:#{1,4}[ \t]*)?system(?:[ \t]+(?:prompt|message))?[ \t]*:))"
    R"(|(?m:^[ \t]*#{1,4}[ \t]*system(?:[ \t]+(?:prompt|message))?[ \t]*$))"
    R"(|\{\s*"role"\s*:\s*"system"\s*,\s*"content"\s*:\s*"[^"]{0,200}\b(?:comply|ignore|without|always|never|approve|do not|trusted|administrator|verified|unrestricted)\b)"
    R"(|\bbegin (?:new )?system prompt\b|\bend of system prompt\b)";

constexpr std::string_view kExfiltration =
    R"((?:!?\[[^\]\n]{0,100}\]\(|<img[^>\n]{0,40}src=["']*)https?://[^)\s"'>]*[?&][^)\s"'>]*=[^)\s"'>]*(?:[{<$]|%7b|%3c|\b(?:conversation|history|chat|messages|secret|api_?key|password|token|prompt|credentials)\b))"
    R"(|\b(?:send|append|include|post|forward|leak|exfiltrate|upload|transmit)\b[^.\n]{0,60}\b(?:api keys?|passwords?|secrets?|conversation|chat history|previous messages|system prompt|credentials|tokens?)\b[^\n]{0,60}https?://)";

// A URL left open for data ("…?m=") with an order to add something to it, either way round.
constexpr std::string_view kOpenUrl =
    R"re(\b(?:append|add|añade|include|put|insert|attach|fill|plus)\b[^\n]{0,80}https?://[^\s)"']*[?&][\w-]+=(?:[\s)"'<]|$))re"
    R"re(|https?://[^\s)"']*[?&][\w-]+=(?:[\s)"']|$)[^\n]{0,60}\b(?:plus|append|add|with the|followed by)\b)re";

const std::array<Family, 3>& families() {
  static const std::array<Family, 3> all{{
      {"override", compile(kOverride)},
      {"role_spoof", compile(kRoleSpoof)},
      {"exfiltration", compile(std::string(kExfiltration) + "|" + std::string(kOpenUrl))},
  }};
  return all;
}

void find_all(const Family& family, std::string_view text, std::vector<InjectionSignal>& out) {
  re2::StringPiece match;
  std::size_t at = 0;
  while (at < text.size() &&
         family.re->Match(text, at, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
    const auto begin = static_cast<std::size_t>(match.data() - text.data());
    out.push_back({family.kind, begin, begin + match.size()});
    at = begin + std::max<std::size_t>(match.size(), 1);
  }
}

// One UTF-8 code point at `at` (advancing it); U+FFFD for a bad sequence.
char32_t next_code_point(std::string_view s, std::size_t& at) {
  const auto b = static_cast<unsigned char>(s[at]);
  const int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || at + static_cast<std::size_t>(n) > s.size()) {
    ++at;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? b : b & (0x7F >> n);
  for (int i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[at + i]) & 0x3F);
  at += static_cast<std::size_t>(n);
  return cp;
}

bool ascii_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

void hidden_unicode(std::string_view text, std::vector<InjectionSignal>& out) {
  std::size_t at = 0;
  char32_t before = 0;           // the code point before the current run of zero-width ones
  std::size_t inside_words = 0;  // zero-width characters found between two letters
  std::size_t first = 0;
  while (at < text.size()) {
    const std::size_t start = at;
    const char32_t cp = next_code_point(text, at);
    const bool tag = cp >= 0xE0000 && cp <= 0xE007F;
    const bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    if (tag || bidi) {
      out.push_back({"hidden_unicode", start, at});
      return;
    }
    const bool zero_width =
        cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF;
    if (zero_width) {
      // Look at what follows the run: a letter on both sides means a word was split.
      std::size_t peek = at;
      char32_t after = 0;
      while (peek < text.size()) {
        after = next_code_point(text, peek);
        if (after != 0x200B && after != 0x200C && after != 0x200D && after != 0x2060 &&
            after != 0xFEFF)
          break;
      }
      if (ascii_letter(before) && ascii_letter(after)) {
        if (inside_words++ == 0) first = start;
        if (inside_words >= 2) {
          out.push_back({"hidden_unicode", first, at});
          return;
        }
      }
      continue;
    }
    before = cp;
  }
}

// Base64 or hex blobs that decode to text with an override phrase in it.
std::string decode_hex(std::string_view s) {
  std::string out;
  auto nibble = [](char c) {
    return c >= '0' && c <= '9'                     ? c - '0'
           : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                    : -1;
  };
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out += static_cast<char>(nibble(s[i]) * 16 + nibble(s[i + 1]));
  return out;
}

bool mostly_text(std::string_view s) {
  if (s.empty()) return false;
  std::size_t printable = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 0x20 && u < 0x7F) || c == '\n' || c == '\t' || u >= 0xC0) ++printable;
  }
  return printable * 10 >= s.size() * 9;
}

void encoded(std::string_view text, std::vector<InjectionSignal>& out) {
  static const auto base64 = compile(R"([A-Za-z0-9+/_\-]{40,}={0,2})");
  static const auto hex = compile(R"(\b(?:[0-9A-Fa-f]{2}[ :]?){24,})");
  for (const auto* re : {base64.get(), hex.get()}) {
    re2::StringPiece match;
    std::size_t at = 0;
    while (at < text.size() && re->Match(text, at, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
      const auto begin = static_cast<std::size_t>(match.data() - text.data());
      std::string blob(match.data(), match.size());
      if (re == hex.get()) {
        std::erase(blob, ' ');
        std::erase(blob, ':');
      }
      const std::string decoded =
          re == base64.get() ? util::base64_decode(blob).value_or("") : decode_hex(blob);
      if (mostly_text(decoded)) {
        std::vector<InjectionSignal> inner;
        for (const auto& family : families()) find_all(family, decoded, inner);
        if (!inner.empty()) out.push_back({"encoded", begin, begin + match.size()});
      }
      at = begin + match.size();
    }
  }
}

}  // namespace

std::vector<InjectionSignal> injection_signals(std::string_view text) {
  std::vector<InjectionSignal> out;
  for (const auto& family : families()) find_all(family, text, out);
  encoded(text, out);
  hidden_unicode(text, out);
  return out;
}

}  // namespace sluice::guardrails
