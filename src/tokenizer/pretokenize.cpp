#include "tokenizer/pretokenize.hpp"

#include <array>
#include <cstdint>

#include "tokenizer/unicode_classes.hpp"

namespace sluice::tokenizer {

namespace {

constexpr std::size_t kFail = static_cast<std::size_t>(-1);

// One decoded character. Bytes that are not valid UTF-8 count as one character each, in no
// class (like punctuation), so any byte string splits somewhere and loses nothing.
struct Char {
  char32_t cp = 0;
  std::uint8_t cls = 0;
  std::uint8_t len = 0;  // 0: end of text
};

std::array<std::uint8_t, 128> ascii_classes() {
  std::array<std::uint8_t, 128> t{};
  for (char32_t c = 0; c < 128; ++c) t[c] = char_class(c);
  return t;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text)
      : s_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()) {}

  std::size_t size() const { return n_; }

  Char at(std::size_t pos) const {
    if (pos >= n_) return {};
    const unsigned char b = s_[pos];
    if (b < 0x80) {
      static const std::array<std::uint8_t, 128> kAscii = ascii_classes();
      return {b, kAscii[b], 1};
    }
    char32_t cp = 0;
    std::uint8_t len = 0;
    if ((b & 0xe0) == 0xc0) {
      cp = b & 0x1f, len = 2;
    } else if ((b & 0xf0) == 0xe0) {
      cp = b & 0x0f, len = 3;
    } else if ((b & 0xf8) == 0xf0) {
      cp = b & 0x07, len = 4;
    } else {
      return {0xfffd, 0, 1};
    }
    if (pos + len > n_) return {0xfffd, 0, 1};
    for (std::uint8_t i = 1; i < len; ++i) {
      const unsigned char c = s_[pos + i];
      if ((c & 0xc0) != 0x80) return {0xfffd, 0, 1};
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not characters either.
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {0xfffd, 0, 1};
    return {cp, char_class(cp), len};
  }

  // Positions past a run of characters with any of `bits`.
  std::size_t run(std::size_t pos, std::uint8_t bits) const {
    for (Char c = at(pos); c.len != 0 && (c.cls & bits); c = at(pos)) pos += c.len;
    return pos;
  }
  std::size_t other_run(std::size_t pos) const {
    for (Char c = at(pos); is_other(c); c = at(pos)) pos += c.len;
    return pos;
  }

  static bool is_other(Char c) {  // [^\s\p{L}\p{N}]
    return c.len != 0 && (c.cls & (kLetter | kNumber | kSpace)) == 0;
  }
  static bool is_newline(Char c) { return c.cp == '\r' || c.cp == '\n'; }

  // `'s|'t|'re|'ve|'m|'ll|'d` after the apostrophe at `pos`, in either case when `any_case`
  // (js-tiktoken spells out the upper-case variants of cl100k's and o200k's `(?i:...)`);
  // the length of the match or 0.
  std::size_t contraction(std::size_t pos, bool any_case) const {
    if (pos >= n_ || s_[pos] != '\'') return 0;
    auto lower = [&](std::size_t i) -> int {
      if (i >= n_) return 0;
      const int c = s_[i];
      if (any_case && c >= 'A' && c <= 'Z') return c - 'A' + 'a';
      return c;
    };
    const int a = lower(pos + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    const int b = lower(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
  }

  // `\s*[\r\n]+ | \s+(?!\S) | \s+` at a whitespace character; the first alternative only
  // with `newline_runs` (cl100k and o200k have it, GPT-2's pattern does not).
  std::size_t whitespace(std::size_t pos, bool newline_runs) const {
    std::size_t end = pos;
    std::size_t last_start = pos;  // start of the run's last character
    std::size_t after_newline = kFail;
    for (Char c = at(end); c.len != 0 && (c.cls & kSpace); c = at(end)) {
      last_start = end;
      end += c.len;
      if (is_newline(c)) after_newline = end;
    }
    // \s*[\r\n]+: \s* backtracks to the run's last newline; [\r\n]+ then ends right after it
    // (whatever follows in the run is not a newline, or it would be the last one).
    if (newline_runs && after_newline != kFail) return after_newline;
    // \s+(?!\S): the whole run at the end of the text, otherwise all but its last character,
    // which stays to prefix the next word.
    if (end == n_ || last_start > pos) return end == n_ ? end : last_start;
    return end;  // \s+: a single space before a non-space
  }

 private:
  const unsigned char* s_;
  std::size_t n_;
};

// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+` from `pos`: kFail when no match.
// The greedy star takes the whole run of upper-ish characters; if a lower-ish one follows, the
// plus takes the run of those. Otherwise the star backtracks to the last lower-ish character
// inside its run (Lm, Lo and M are both), and the plus matches just that one.
std::size_t o200k_lower_word(const Scanner& s, std::size_t pos) {
  std::size_t end = pos;
  std::size_t after_last_lower = kFail;
  for (Char c = s.at(end); c.len != 0 && (c.cls & kUpperish); c = s.at(end)) {
    end += c.len;
    if (c.cls & kLowerish) after_last_lower = end;
  }
  if (const Char next = s.at(end); next.len != 0 && (next.cls & kLowerish))
    return s.run(end, kLowerish);
  return after_last_lower;
}

// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*`: kFail when no match.
std::size_t o200k_upper_word(const Scanner& s, std::size_t pos) {
  const std::size_t end = s.run(pos, kUpperish);
  if (end == pos) return kFail;
  return s.run(end, kLowerish);
}

// `[^\r\n\p{L}\p{N}]?`: whether the character may open a word as its prefix.
bool word_prefix(Char c) {
  return c.len != 0 && (c.cls & (kLetter | kNumber)) == 0 && !Scanner::is_newline(c);
}

// ` ?[^\s\p{L}\p{N}]+` then `tail` characters; kFail when no match.
template <typename Tail>
std::size_t punctuation(const Scanner& s, std::size_t pos, Tail tail) {
  std::size_t start = pos;
  if (s.at(pos).cp == ' ' && Scanner::is_other(s.at(pos + 1))) start = pos + 1;
  if (!Scanner::is_other(s.at(start))) return kFail;
  std::size_t end = s.other_run(start);
  for (Char c = s.at(end); c.len != 0 && tail(c); c = s.at(end)) end += c.len;
  return end;
}

std::size_t digits_up_to_three(const Scanner& s, std::size_t pos) {
  std::size_t end = pos;
  for (int i = 0; i < 3; ++i) {
    const Char c = s.at(end);
    if (c.len == 0 || !(c.cls & kNumber)) break;
    end += c.len;
  }
  return end;
}

std::size_t o200k(const Scanner& s, std::size_t pos) {
  const Char c = s.at(pos);
  const bool prefix = word_prefix(c);
  auto with_contraction = [&](std::size_t end) { return end + s.contraction(end, true); };
  // Alternatives 1 and 2, each tried with the optional prefix first, then without.
  for (auto word : {o200k_lower_word, o200k_upper_word}) {
    if (prefix) {
      if (std::size_t end = word(s, pos + c.len); end != kFail) return with_contraction(end);
    }
    if (std::size_t end = word(s, pos); end != kFail) return with_contraction(end);
  }
  if (c.cls & kNumber) return digits_up_to_three(s, pos);
  if (std::size_t end =
          punctuation(s, pos, [](Char t) { return Scanner::is_newline(t) || t.cp == '/'; });
      end != kFail)
    return end;
  return s.whitespace(pos, true);
}

std::size_t cl100k(const Scanner& s, std::size_t pos) {
  if (std::size_t n = s.contraction(pos, true)) return pos + n;
  const Char c = s.at(pos);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (word_prefix(c) && (s.at(pos + c.len).cls & kLetter) && s.at(pos + c.len).len != 0)
    return s.run(pos + c.len, kLetter);
  if (c.cls & kLetter) return s.run(pos, kLetter);
  if (c.cls & kNumber) return digits_up_to_three(s, pos);
  if (std::size_t end = punctuation(s, pos, Scanner::is_newline); end != kFail) return end;
  return s.whitespace(pos, true);
}

std::size_t r50k(const Scanner& s, std::size_t pos) {
  if (std::size_t n = s.contraction(pos, false)) return pos + n;
  const Char c = s.at(pos);
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: the space joins whatever follows it.
  const std::size_t start = c.cp == ' ' ? pos + 1 : pos;
  const Char first = s.at(start);
  if (first.len != 0) {
    if (first.cls & kLetter) return s.run(start, kLetter);
    if (first.cls & kNumber) return s.run(start, kNumber);
    if (Scanner::is_other(first)) return s.other_run(start);
  }
  return s.whitespace(pos, false);
}

}  // namespace

std::size_t next_piece(Pattern pattern, std::string_view text, std::size_t pos) {
  const Scanner s(text);
  std::size_t end = kFail;
  switch (pattern) {
    case Pattern::kO200k:
      end = o200k(s, pos);
      break;
    case Pattern::kCl100k:
      end = cl100k(s, pos);
      break;
    case Pattern::kR50k:
      end = r50k(s, pos);
      break;
  }
  // Every character is a letter, number, space or other, so some alternative always matches;
  // the guard keeps a mistake from looping forever.
  return end == kFail || end <= pos ? pos + s.at(pos).len : end;
}

}  // namespace sluice::tokenizer
