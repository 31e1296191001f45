#pragma once
// Reading one YAML config file with errors that point at file:line:col and the key path, shared
// by the loader's parts (endpoints and routes in loader.cpp, governance in governance.cpp).

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/secrets.hpp"
#include "config/stored.hpp"

namespace sluice::config {

// Thrown inside the loader only; load_* turn it into an Error (exceptions are fine at startup).
struct LoadError {
  std::string message;
};

class Reader {
 public:
  Reader(std::string source, const EnvLookup& env)
      : source_(std::move(source)),
        env_(env),
        secrets_(std::make_shared<std::vector<std::string>>()) {}
  // A reader for one object kept in the store (an endpoint or route made through the admin API):
  // errors name `source` and the field, with no line and column (the object has no file);
  // secrets resolved through it are redacted from every error of `parent` too.
  Reader(const Reader& parent, std::string source)
      : reserved_path(parent.reserved_path),
        stored(parent.stored),
        secrets_key(parent.secrets_key),
        source_(std::move(source)),
        env_(parent.env_),
        secrets_(parent.secrets_),
        positions_(false) {}

  // A stored object's workspace: the stored secrets it may name are this workspace's and the
  // shared ("*") ones. Unused for the file, which may name any.
  std::string workspace;
  // The server's own paths, which a named route may not take (loader.hpp).
  std::function<bool(std::string_view)> reserved_path;
  // The store's endpoints, routes and sealed secrets (null: none, e.g. `sluice check-config`),
  // and the 32-byte key that opens the secrets (auth.secrets_key), set once auth is read.
  const StoredConfig* stored = nullptr;
  mutable std::string secrets_key;

  std::string where(const YAML::Node& node) const {
    if (!positions_) return source_;
    const auto mark = node.Mark();
    if (mark.line < 0) return source_;
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& message) const {
    // A stored object's fields are read from the root ("" + ".model" → "model").
    const std::string p = path.starts_with('.') ? path.substr(1) : path;
    throw LoadError{where(node) + ": " + (p.empty() ? "" : p + ": ") + message};
  }

  // Checks `node` is a map whose keys are all in `allowed`, with no key given twice.
  void expect_map(const YAML::Node& node, const std::string& path,
                  std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) fail(node, path, "must be a mapping");
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>();
      if (!seen.insert(key).second) fail(it->first, path, "key '" + key + "' is given twice");
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += std::string(list.empty() ? "" : ", ") + std::string(a);
        fail(it->first, path, "unknown key '" + key + "' (expected one of: " + list + ")");
      }
    }
  }

  std::string string(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "must be a string");
    return node.Scalar();
  }

  long long integer(const YAML::Node& node, const std::string& path, long long min,
                    long long max) const {
    if (!node.IsScalar()) fail(node, path, "must be an integer");
    const std::string& t = node.Scalar();
    long long v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (node.Tag() == "!" || ec != std::errc{} || end != t.data() + t.size()) {
      fail(node, path, "must be an integer, got '" + t + "'");
    }
    if (v < min || v > max) {
      fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }

  // A finite number >= min; YAML's quoted strings and non-numbers are refused.
  double number(const YAML::Node& node, const std::string& path, double min = 0) const {
    if (!node.IsScalar() || node.Tag() == "!") fail(node, path, "must be a number");
    const std::string& t = node.Scalar();
    double v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || end != t.data() + t.size() || !(v >= min) || v > 1e15)
      fail(node, path,
           "must be a number >= " + std::to_string(static_cast<long long>(min)) + ", got '" + t +
               "'");
    return v;
  }

  // true or false, nothing else.
  bool boolean(const YAML::Node& node, const std::string& path) const {
    const std::string v = string(node, path);
    if (v != "true" && v != "false") fail(node, path, "must be true or false");
    return v == "true";
  }

  // The value paired with the name `node` holds; any other is refused, listing the names
  // ("must be a, b or c, got 'd'").
  template <typename T>
  T choice(const YAML::Node& node, const std::string& path,
           std::initializer_list<std::pair<std::string_view, T>> names) const {
    const std::string v = string(node, path);
    std::string list;
    std::size_t i = 0;
    for (const auto& [name, value] : names) {
      if (v == name) return value;
      list += i == 0 ? "" : i + 1 == names.size() ? " or " : ", ";
      list += name;
      ++i;
    }
    fail(node, path, "must be " + list + ", got '" + v + "'");
  }

  // Whether this reads an object kept in the store (no file positions; no environment
  // references and no file paths: see resolved()).
  bool stored_object() const { return !positions_; }

  // Remembers every value that came from a secret, so no load error can quote one. In a stored
  // object, `$`-references are refused: a definition made through the admin API must not reach
  // the host's environment (it could send SLUICE_SECRETS_KEY to a URL of its choosing); stored
  // secrets are named with {secret: NAME} instead.
  std::string resolved(const YAML::Node& node, const std::string& path, bool& was_secret) const {
    if (!positions_) {
      was_secret = false;
      const std::string text = string(node, path);
      if (text.find('$') != std::string::npos)
        fail(node, path,
             "environment references ($VAR, ${{ secrets.X }}) are for the config file; refer to "
             "a stored secret with {\"secret\": NAME}");
      return text;
    }
    auto r = resolve_secrets(string(node, path), env_, was_secret);
    if (!r) fail(node, path, r.error().message);
    if (was_secret) secrets_->push_back(*r);
    return *r;
  }
  // Remembers a value that came from elsewhere (a stored secret) as secret.
  void remember_secret(std::string value) const { secrets_->push_back(std::move(value)); }

  // The secret values resolved so far (for redacting error messages).
  const std::vector<std::string>& secrets() const { return *secrets_; }

  const std::string& source() const { return source_; }
  const EnvLookup& env() const { return env_; }

 private:
  std::string source_;
  const EnvLookup& env_;
  std::shared_ptr<std::vector<std::string>> secrets_;
  bool positions_ = true;
};

}  // namespace sluice::config
