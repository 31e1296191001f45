#pragma once
// Small text helpers shared by config, template and request parsing.

#include <cctype>
#include <string>
#include <string_view>

namespace sluice::util {

// [A-Za-z_][A-Za-z0-9_]*: environment variable and template variable names.
inline bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// `s` without leading and trailing whitespace.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `s` with ASCII letters in lower case (host names, header names, origins).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Equal but for the case of ASCII letters (HTTP tokens: media types, Cache-Control directives).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The media type of a Content-Type value, without its parameters (RFC 9110 §8.3.1).
inline std::string_view media_type(std::string_view content_type) {
  return trim(content_type.substr(0, content_type.find(';')));
}

// Whether a Content-Type names JSON (or names nothing): "application/json", any case, with or
// without parameters.
inline bool is_json_media_type(std::string_view content_type) {
  if (content_type.empty()) return true;
  return ascii_iequals(media_type(content_type), "application/json");
}

}  // namespace sluice::util
