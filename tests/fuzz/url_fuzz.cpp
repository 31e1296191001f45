// Upstream base URLs (src/util/url.hpp parse_base_url). Any text gives a BaseUrl or a reason;
// a BaseUrl is http(s) with a host, a non-zero port and a path that is empty or starts with '/'
// and has no trailing slash; the URL rebuilt from its parts parses to the same parts.
#include <string>

#include "fuzz_support.hpp"
#include "util/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sluice::util::parse_base_url;
  const std::string_view in = sluice::fuzz::as_text(data, size);
  std::string why;
  std::optional<sluice::util::BaseUrl> url;
  sluice::fuzz::no_throw("parse_base_url", [&] { url = parse_base_url(in, why); });
  if (!url) {
    SLUICE_FUZZ_CHECK(!why.empty(), "a refused URL has a reason");
    return 0;
  }
  SLUICE_FUZZ_CHECK(url->scheme == "http" || url->scheme == "https", "scheme is http(s)");
  SLUICE_FUZZ_CHECK(!url->host.empty(), "there is a host");
  SLUICE_FUZZ_CHECK(url->port != 0, "the port is not 0");
  SLUICE_FUZZ_CHECK(url->path.empty() || url->path.back() != '/', "no trailing slash");
  // The path is prefixed to request targets: it must be empty or absolute.
  SLUICE_FUZZ_CHECK(url->path.empty() || url->path.front() == '/',
                    "the path '" + url->path + "' is empty or starts with '/'");
  SLUICE_FUZZ_CHECK(url->host.size() + url->path.size() <= size, "parts come from the input");
  SLUICE_FUZZ_CHECK(
      url->origin() == url->scheme + "://" + url->host + ":" + std::to_string(url->port),
      "origin is scheme://host:port");

  const bool bracket = url->host.find(':') != std::string::npos;
  const std::string rebuilt = url->scheme + "://" + (bracket ? "[" : "") + url->host +
                              (bracket ? "]" : "") + ":" + std::to_string(url->port) + url->path;
  std::string why2;
  auto again = parse_base_url(rebuilt, why2);
  SLUICE_FUZZ_CHECK(again.has_value(), "the rebuilt URL '" + rebuilt + "' parses: " + why2);
  SLUICE_FUZZ_CHECK(again->scheme == url->scheme && again->host == url->host &&
                        again->port == url->port && again->path == url->path,
                    "the rebuilt URL '" + rebuilt + "' parses to the same parts");
  return 0;
}
