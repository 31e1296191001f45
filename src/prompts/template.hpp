#pragma once
// Prompt templates and the per-endpoint prompt settings of named routes: `prompt_template` with
// `{{ var }}` placeholders (optionally in named versions), `parameters` (defaults the client may
// override), `overrides` (forced) and `limits: {max_tokens}`.

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.hpp"

namespace sluice::prompts {

class PromptTemplate {
 public:
  // `{{ name }}` with optional spaces; names are [A-Za-z_][A-Za-z0-9_]*. An unterminated `{{`
  // or a bad name is an error.
  static Result<PromptTemplate> parse(std::string_view text);

  // Variable names in order of first appearance.
  const std::vector<std::string>& variables() const { return variables_; }

  // Fills every placeholder from `values`: strings as they are, other JSON values as JSON text.
  // Single pass, so a value containing `{{ x }}` is inserted literally. A missing variable is a
  // 400 naming it.
  Result<std::string> render(const boost::json::object& values) const;

 private:
  struct Piece {
    bool variable = false;
    std::string text;  // literal text, or the variable's name
  };
  std::vector<Piece> pieces_;
  std::vector<std::string> variables_;
};

// A filled chat template → (system, user): when a line starts with "User:", the text before it is
// the system message and the rest the user message; otherwise all of it is the user message.
std::pair<std::string, std::string> split_system(std::string_view filled);

struct PromptSpec {
  std::map<std::string, PromptTemplate> versions;  // a single template is version "default"
  std::string default_version;
  boost::json::object parameters;  // defaults, the client may override
  boost::json::object overrides;   // forced, whatever the client sends
  std::optional<std::uint64_t> max_tokens;
  bool clamp_max_tokens = true;  // false: a larger max_tokens is a 400
  std::string path;              // the named route's path, if it has one

  const PromptTemplate* version(std::string_view name) const {
    auto it = versions.find(std::string(name));
    return it == versions.end() ? nullptr : &it->second;
  }
};

}  // namespace sluice::prompts
