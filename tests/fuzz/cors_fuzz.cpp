// The CORS checks on a client's Origin and Access-Control-Request-Headers (src/config/cors.hpp),
// and the URL password mask loader errors go through (src/util/redact.hpp), on any bytes. Never
// a crash; what is allowed is safe to echo into a response header (sluice echoes the origin and
// the requested header names); masking is idempotent and never leaves a URL's user information.
#include "config/cors.hpp"
#include "config/loader.hpp"
#include "fuzz_support.hpp"
#include "util/redact.hpp"

namespace {

const sluice::config::CorsSpec& spec(bool listed) {
  static const auto load = [](const char* cors) {
    const std::string yaml = std::string("server:\n  cors: ") + cors +
                             "\nendpoints:\n  - {name: m, endpoint_type: llm/v1/chat, "
                             "model: {provider: mock, name: m}}\n";
    return (*sluice::config::load_string(yaml, "fuzz.yaml"))->server.cors;
  };
  static const auto any = load(R"({allow_origins: ["*"]})");
  static const auto some = load(
      R"({allow_origins: ["https://app.example.com", "http://*.example.org"], allow_headers: [authorization, content-type]})");
  return listed ? some : any;
}

bool header_safe(std::string_view v) {
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;  // (a tab may stand in a value)
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = sluice::fuzz::as_text(data, size);
  for (bool listed : {false, true}) {
    const auto& s = spec(listed);
    if (s.allows_origin(in)) {
      SLUICE_FUZZ_CHECK(header_safe(in) && in.find(' ') == std::string_view::npos,
                        "an allowed origin is safe to echo in a header");
      SLUICE_FUZZ_CHECK(in.find("://") != std::string_view::npos, "an allowed origin has a scheme");
    }
    if (s.allows_headers(in))
      SLUICE_FUZZ_CHECK(header_safe(in), "allowed request headers are safe to echo");
    (void)s.allows_method(in);
  }
  const std::string masked = sluice::util::mask_url_userinfo(in);
  SLUICE_FUZZ_CHECK(sluice::util::mask_url_userinfo(masked) == masked, "masking is idempotent");
  return 0;
}
