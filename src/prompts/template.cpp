#include "prompts/template.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "util/text.hpp"

namespace sluice::prompts {
namespace {

using util::is_identifier;
using util::trim;

}  // namespace

Result<PromptTemplate> PromptTemplate::parse(std::string_view text) {
  PromptTemplate t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    if (open > pos) t.pieces_.push_back({false, std::string(text.substr(pos, open - pos))});
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      return Error::invalid("unterminated '{{' in prompt_template");
    std::string_view name = trim(text.substr(open + 2, close - open - 2));
    if (!is_identifier(name)) {
      return Error::invalid("'{{" + std::string(text.substr(open + 2, close - open - 2)) +
                            "}}' in prompt_template is not a variable name");
    }
    t.pieces_.push_back({true, std::string(name)});
    bool seen = false;
    for (const auto& v : t.variables_) seen = seen || v == name;
    if (!seen) t.variables_.emplace_back(name);
    pos = close + 2;
  }
  if (pos < text.size()) t.pieces_.push_back({false, std::string(text.substr(pos))});
  return t;
}

Result<std::string> PromptTemplate::render(const boost::json::object& values) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (!piece.variable) {
      out += piece.text;
      continue;
    }
    const auto* v = values.if_contains(piece.text);
    if (v == nullptr) {
      Error e = Error::invalid("Missing template variable '" + piece.text + "'.", piece.text);
      e.error_code = "missing_template_variable";
      return e;
    }
    if (v->is_string()) {
      out += v->get_string();
    } else {
      out += boost::json::serialize(*v);
    }
  }
  return out;
}

std::pair<std::string, std::string> split_system(std::string_view filled) {
  std::size_t at = filled.starts_with("User:") ? 0 : filled.find("\nUser:");
  if (at == std::string_view::npos || at == 0) return {std::string(), std::string(filled)};
  std::string_view system = filled.substr(0, at);
  while (!system.empty() && (system.back() == '\n' || system.back() == ' '))
    system.remove_suffix(1);
  return {std::string(system), std::string(filled.substr(at + 1))};
}

}  // namespace sluice::prompts
