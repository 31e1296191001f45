#include "config/secrets.hpp"

#include <cctype>
#include <cstdlib>

#include "util/text.hpp"

namespace sluice::config {
namespace {

using util::is_identifier;
using util::trim;

Result<std::string> lookup(const std::string& name, const EnvLookup& env) {
  auto value = env(name);
  if (!value) return Error::invalid("environment variable '" + name + "' is not set");
  return *value;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<std::string> resolve_secrets(std::string_view value, const EnvLookup& env,
                                    bool& was_secret) {
  was_secret = false;
  if (value.size() > 1 && value[0] == '$' && is_identifier(value.substr(1))) {
    was_secret = true;
    return lookup(std::string(value.substr(1)), env);
  }
  std::string out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t start = value.find("${", pos);
    if (start == std::string_view::npos) break;
    out.append(value.substr(pos, start - pos));
    std::string name;
    std::size_t end;
    if (value.substr(start).starts_with("${{")) {
      end = value.find("}}", start);
      if (end == std::string_view::npos) return Error::invalid("unterminated '${{' in value");
      std::string_view inner = trim(value.substr(start + 3, end - start - 3));
      if (!inner.starts_with("secrets.") || !is_identifier(inner.substr(8))) {
        return Error::invalid("expected '${{ secrets.NAME }}'");
      }
      name = inner.substr(8);
      end += 2;
    } else {
      end = value.find('}', start);
      if (end == std::string_view::npos) return Error::invalid("unterminated '${' in value");
      std::string_view inner = value.substr(start + 2, end - start - 2);
      if (!is_identifier(inner))
        return Error::invalid("'${" + std::string(inner) + "}' is not a variable name");
      name = inner;
      end += 1;
    }
    auto resolved = lookup(name, env);
    if (!resolved) return resolved.error();
    out += *resolved;
    was_secret = true;
    pos = end;
  }
  out.append(value.substr(pos));
  return out;
}

}  // namespace sluice::config
