// The Host header's host part (src/config/hosts.hpp host_of), read from any client to pick a
// workspace (server.hosts). Never throws; the result is lower case, has no trailing '.', is no
// longer than the input and reads as itself again; the case of the input does not matter; a
// port after a plain host name is dropped.
#include <algorithm>
#include <cctype>
#include <string>

#include "config/hosts.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sluice::config::host_of;
  const std::string_view in = sluice::fuzz::as_text(data, size);
  std::string host;
  sluice::fuzz::no_throw("host_of", [&] { host = host_of(in); });
  SLUICE_FUZZ_CHECK(host.size() <= in.size(), "no longer than the header");
  SLUICE_FUZZ_CHECK(
      std::none_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
      "lower case");
  SLUICE_FUZZ_CHECK(!host.ends_with('.'), "no trailing '.'");
  SLUICE_FUZZ_CHECK(host_of(host) == host, "'" + host + "' reads as itself again");
  std::string upper(in);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  SLUICE_FUZZ_CHECK(host_of(upper) == host, "the case of the header does not matter");
  const bool plain = !in.empty() && std::all_of(in.begin(), in.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
  });
  if (plain) {
    SLUICE_FUZZ_CHECK(host_of(std::string(in) + ":8080") == host, "the port is dropped");
  }
  return 0;
}
