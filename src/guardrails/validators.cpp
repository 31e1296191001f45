#include "guardrails/validators.hpp"

#include <arpa/inet.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace sluice::guardrails {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_digit(c)) out += c;
  }
  return out;
}

// The lengths of the digit groups of `text`, and the one separator between them (0: none);
// false when there are two kinds of separator or two in a row.
bool groups_of(std::string_view text, std::vector<std::size_t>& groups, char& separator) {
  groups.assign(1, 0);
  separator = 0;
  for (char c : text) {
    if (is_digit(c)) {
      ++groups.back();
      continue;
    }
    if (separator != 0 && c != separator) return false;
    if (groups.back() == 0) return false;
    separator = c;
    groups.push_back(0);
  }
  return groups.back() != 0;
}

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; same && j < word.size(); ++j) {
      char c = text[i + j];
      if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
      same = c == word[j];
    }
    if (same) return true;
  }
  return false;
}

int prefix(const std::string& digits, std::size_t n) {
  return n <= digits.size() ? std::stoi(digits.substr(0, n)) : -1;
}

bool known_issuer(const std::string& d) {
  const std::size_t n = d.size();
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;  // Visa
  const int p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);
  if (p2 >= 51 && p2 <= 55) return n == 16;      // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n == 16;  // Mastercard 2-series
  if (p2 == 34 || p2 == 37) return n == 15;      // American Express
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19;  // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;                            // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38) return n >= 14 && n <= 19;    // Diners
  return false;
}

}  // namespace

bool luhn_valid(std::string_view text) {
  int sum = 0;
  bool twice = false;
  bool any = false;
  for (auto it = text.rbegin(); it != text.rend(); ++it) {
    if (!is_digit(*it)) continue;
    any = true;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return any && sum % 10 == 0;
}

bool credit_card_valid(std::string_view text) {
  std::vector<std::size_t> groups;
  char separator = 0;
  if (!groups_of(text, groups, separator)) return false;
  if (separator != 0 && separator != ' ' && separator != '-') return false;
  const std::string d = digits_of(text);
  if (d.size() < 13 || d.size() > 19) return false;
  if (groups.size() > 1) {
    const bool amex_like = groups.size() == 3 && groups[0] == 4 && groups[1] == 6 &&
                           (groups[2] == 5 || groups[2] == 4);
    bool fours = true;
    for (std::size_t i = 0; i + 1 < groups.size(); ++i) fours = fours && groups[i] == 4;
    fours = fours && groups.back() >= 1 && groups.back() <= 4;
    if (!amex_like && !fours) return false;
  }
  return known_issuer(d) && luhn_valid(d);
}

int iban_length_for(std::string_view country) {
  // SWIFT's IBAN registry, the countries most often seen.
  static constexpr std::array<std::pair<std::string_view, int>, 36> kLengths{{
      {"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28},
      {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18},
      {"FR", 27}, {"GB", 22}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22},
      {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
      {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
      {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26},
  }};
  for (const auto& [code, length] : kLengths) {
    if (code == country) return length;
  }
  return 0;
}

bool iban_valid(std::string_view text) {
  std::string compact;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ') {
      // Groups of four from the start, one space between.
      if (compact.size() % 4 != 0 || i + 1 >= text.size() || text[i + 1] == ' ') return false;
      continue;
    }
    if (!is_digit(c) && !is_upper(c)) return false;
    compact += c;
  }
  if (compact.size() < 15 || !is_upper(compact[0]) || !is_upper(compact[1]) ||
      !is_digit(compact[2]) || !is_digit(compact[3]))
    return false;
  const int length = iban_length_for(std::string_view(compact).substr(0, 2));
  if (length == 0 || static_cast<int>(compact.size()) != length) return false;
  // Mod 97 of the number made by moving the first four characters to the end, letters as 10-35.
  const std::string moved = compact.substr(4) + compact.substr(0, 4);
  int remainder = 0;
  for (char c : moved) {
    const int v = is_digit(c) ? c - '0' : c - 'A' + 10;
    remainder = (v >= 10 ? remainder * 100 : remainder * 10) + v;
    remainder %= 97;
  }
  return remainder == 1;
}

bool us_ssn_valid(std::string_view text) {
  if (text.size() != 11 || text[3] != text[6] || (text[3] != '-' && text[3] != ' ')) return false;
  for (std::size_t i : {0, 1, 2, 4, 5, 7, 8, 9, 10}) {
    if (!is_digit(text[i])) return false;
  }
  const int area = std::stoi(std::string(text.substr(0, 3)));
  const int group = std::stoi(std::string(text.substr(4, 2)));
  const int serial = std::stoi(std::string(text.substr(7, 4)));
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

bool ipv4_valid(std::string_view text) {
  int parts = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('.', at), text.size());
    const std::string_view part = text.substr(at, end - at);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    int v = 0;
    for (char c : part) {
      if (!is_digit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
    ++parts;
    at = end + 1;
  }
  return parts == 4;
}

bool ipv6_valid(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) return false;
  const std::string s(text);
  unsigned char out[16];
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

bool phone_valid(std::string_view text) {
  const std::string d = digits_of(text);
  // Separators: single ones, except ") " after an area code.
  for (std::size_t i = 1; i < text.size(); ++i) {
    const bool sep_a = !is_digit(text[i - 1]) && text[i - 1] != ')';
    const bool sep_b = !is_digit(text[i]) && text[i] != '(';
    if (sep_a && sep_b) return false;
  }
  const std::size_t open = text.find('('), close = text.find(')');
  if ((open == std::string_view::npos) != (close == std::string_view::npos) ||
      (open != std::string_view::npos && close < open))
    return false;
  if (text[0] == '+') return d.size() >= 8 && d.size() <= 15 && d[0] != '0';
  // North American: (NPA) NXX-XXXX, NPA-NXX-XXXX, NPA.NXX.XXXX.
  if (d.size() != 10 || d[0] < '2' || d[3] < '2') return false;
  if (text[0] == '(') return text.size() >= 13 && text[4] == ')';
  return text.size() == 12 && text[3] == text[7] && (text[3] == '-' || text[3] == '.');
}

bool email_valid(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= text.size()) return false;
  const std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  std::size_t start = 0;
  std::string_view label;
  while (true) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    label = domain.substr(start, end - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    if (end == domain.size()) break;
    start = end + 1;
  }
  if (start == 0 || label.size() < 2) return false;  // a TLD after at least one dot
  for (char c : label) {
    if (!is_upper(c) && !is_lower(c)) return false;
  }
  return true;
}

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0;
  std::array<int, 256> counts{};
  for (char c : text) ++counts[static_cast<unsigned char>(c)];
  double bits = 0;
  for (int n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(text.size());
    bits -= p * std::log2(p);
  }
  return bits;
}

bool looks_like_placeholder(std::string_view text) {
  std::size_t run = 1;
  for (std::size_t i = 1; i < text.size(); ++i) {
    run = text[i] == text[i - 1] ? run + 1 : 1;
    if (run >= 5) return true;
  }
  for (std::string_view word : {"your", "example", "changeme", "placeholder", "dummy", "secret",
                                "password", "token", "redacted"}) {
    if (contains_ignoring_case(text, word)) return true;
  }
  return false;
}

bool looks_random(std::string_view text) {
  if (text.size() < 20 || shannon_entropy(text) < 3.5 || looks_like_placeholder(text)) return false;
  bool upper = false, lower = false, digits = false;
  std::size_t ascending = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    upper = upper || is_upper(text[i]);
    lower = lower || is_lower(text[i]);
    digits = digits || is_digit(text[i]);
    if (i == 0) continue;
    ascending = text[i] == text[i - 1] + 1 ? ascending + 1 : 1;
    if (ascending >= 6) return false;
  }
  return static_cast<int>(upper) + static_cast<int>(lower) + static_cast<int>(digits) >= 2;
}

}  // namespace sluice::guardrails
