// Config loader (src/config/loader.hpp load_string): any bytes as a YAML config. The loader
// promises a Result, never an exception; every error starts with the source name (then
// line:col); a secret's value never appears in an error; and a loaded snapshot's indexes point
// at what they name. `$VAR`, `${VAR}` and `${{ secrets.VAR }}` resolve to kSecret, except names
// starting with UNSET, which are missing.
#include <string>

#include "config/loader.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kSecret = "Zq9-fuzz-secret-value-7d1c";

std::optional<std::string> env(const std::string& name) {
  if (name.starts_with("UNSET")) return std::nullopt;
  return std::string(kSecret);
}

void check_snapshot(const config::Snapshot& s) {
  SLUICE_FUZZ_CHECK(s.index.size() == s.endpoints.size(), "one index entry per endpoint");
  for (const auto& [name, at] : s.index) {
    SLUICE_FUZZ_CHECK(at < s.endpoints.size() && s.endpoints[at].name == name,
                      "index entry '" + name + "' points at its endpoint");
  }
  for (const auto& e : s.endpoints) {
    SLUICE_FUZZ_CHECK(e.adapter != nullptr, "endpoint '" + e.name + "' has an adapter");
    SLUICE_FUZZ_CHECK(s.find(e.name) == &e, "find('" + e.name + "') is that endpoint");
  }
  for (const auto& [name, at] : s.route_index) {
    SLUICE_FUZZ_CHECK(at < s.routes.size(), "route index entry '" + name + "' is in range");
  }
  for (const auto& [path, at] : s.path_index) {
    SLUICE_FUZZ_CHECK(at < s.endpoints.size(), "path index entry '" + path + "' is in range");
  }
  const std::string text = config::describe(s);
  SLUICE_FUZZ_CHECK(text.starts_with("fuzz.yaml: OK"), "describe names the source");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml = fuzz::as_text(data, size);
  Result<config::SnapshotPtr> r;
  fuzz::no_throw("config::load_string", [&] { r = config::load_string(yaml, "fuzz.yaml", env); });
  if (!r) {
    const std::string& message = r.error().message;
    SLUICE_FUZZ_CHECK(message.starts_with("fuzz.yaml"), "an error names the source: " + message);
    if (yaml.find(kSecret) == std::string_view::npos) {
      SLUICE_FUZZ_CHECK(message.find(kSecret) == std::string::npos,
                        "a secret's value appears in an error: " + message);
    }
    return 0;
  }
  SLUICE_FUZZ_CHECK(*r != nullptr, "a loaded config has a snapshot");
  fuzz::no_throw("snapshot checks", [&] { check_snapshot(**r); });
  return 0;
}
