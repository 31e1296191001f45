// The raw proxy's path and query checks (src/pipeline/paths.hpp proxy_path_problem,
// proxy_query_problem) and the path table they sit in, fed any text. match_path never throws;
// a raw proxy match splits the path into the endpoint's name and the rest exactly. A query let
// through has only RFC 3986 query bytes and well-formed encodings. A path let through has no
// empty segment, only RFC 3986 pchar bytes, and no segment a provider decoding it would read as
// "." or ".." (before any ';' parameter) or that hides a '/', a backslash, a '%', a control
// character or a non-ASCII byte.
#include <cctype>
#include <string>

#include "fuzz_support.hpp"
#include "pipeline/paths.hpp"

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::pipeline;
  const std::string_view in = sluice::fuzz::as_text(data, size);
  const std::string path = "/gateway/proxy/" + std::string(in);
  PathMatch m;
  sluice::fuzz::no_throw("match_path", [&] { m = match_path("POST", path); });
  if (m.kind == PathMatch::Kind::kRawProxy) {
    SLUICE_FUZZ_CHECK(!m.name.empty() && m.name.find('/') == std::string_view::npos,
                      "the endpoint's name is one non-empty segment");
    SLUICE_FUZZ_CHECK(!m.native.empty(), "there is a path to proxy");
    SLUICE_FUZZ_CHECK(path == "/gateway/proxy/" + std::string(m.name) + "/" + std::string(m.native),
                      "name and path are the request path, split once");
  }
  std::string_view query_problem;
  sluice::fuzz::no_throw("proxy_query_problem", [&] { query_problem = proxy_query_problem(in); });
  if (query_problem.empty()) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const auto c = static_cast<unsigned char>(in[i]);
      SLUICE_FUZZ_CHECK(std::isalnum(c) != 0 ||
                            std::string_view("-._~!$&'()*+,;=:@%/?").find(static_cast<char>(c)) !=
                                std::string_view::npos,
                        "a query let through has only RFC 3986 query bytes");
      SLUICE_FUZZ_CHECK(
          c != '%' || (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0),
          "every '%' of a query let through starts a percent-encoding");
    }
  }
  std::string_view problem;
  sluice::fuzz::no_throw("proxy_path_problem", [&] { problem = proxy_path_problem(in); });
  if (!problem.empty()) return 0;
  // Let through: check each segment as a provider would decode it.
  std::size_t start = 0;
  for (;;) {
    const auto end = in.find('/', start);
    const std::string_view seg =
        in.substr(start, end == std::string_view::npos ? end : end - start);
    SLUICE_FUZZ_CHECK(!seg.empty(), "no empty segment");
    std::string decoded;
    for (std::size_t i = 0; i < seg.size(); ++i) {
      const auto c = static_cast<unsigned char>(seg[i]);
      SLUICE_FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '\\' && c != '#' && c != '?' && c != '"' &&
                            c != '<' && c != '>' && c != '[' && c != ']' && c != '^' && c != '`' &&
                            c != '{' && c != '|' && c != '}',
                        "only pchar bytes");
      if (c != '%') {
        decoded += static_cast<char>(c);
        continue;
      }
      SLUICE_FUZZ_CHECK(
          i + 2 < seg.size() && hex_value(seg[i + 1]) >= 0 && hex_value(seg[i + 2]) >= 0,
          "every '%' starts a percent-encoding");
      const int v = hex_value(seg[i + 1]) * 16 + hex_value(seg[i + 2]);
      SLUICE_FUZZ_CHECK(v != '/' && v != '\\' && v >= 0x20 && v != 0x7f && v != '%' && v < 0x80,
                        "no encoded '/', backslash, '%', control character or non-ASCII byte");
      decoded += static_cast<char>(v);
      i += 2;
    }
    const std::string bare = decoded.substr(0, decoded.find(';'));
    SLUICE_FUZZ_CHECK(bare != "." && bare != "..", "no '.' or '..' segment, path parameters aside");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return 0;
}
