#pragma once
// What the providers make of a request an inbound API accepted, for the inbound fuzz targets: the
// anthropic provider writes a Messages body (the Anthropic-only fields put back) or refuses with a
// clear 4xx, and every other provider gets a copy without any Anthropic-only field, or a 400.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "model/request.hpp"
#include "providers/anthropic/adapter.hpp"
#include "providers/anthropic_fields.hpp"
#include "util/json_parse.hpp"

namespace sluice::fuzz {

inline const providers::ProviderAdapter& anthropic_provider() {
  static const auto adapter = [] {
    providers::ConfigMap config("fuzz", "config");
    config.add("anthropic_api_key", {"sk-ant-fuzz-0123456789abcdef", true, "fuzz:1:1"});
    providers::AdapterSpec spec{"e", model::Operation::kChat, "claude-sonnet-4-5", &config};
    return providers::anthropic::make_anthropic_adapter(spec).value();
  }();
  return *adapter;
}

inline void check_provider_copies(const model::Request& out) {
  boost::system::error_code ec;
  auto wire = anthropic_provider().translate_request(out);
  if (wire) {
    auto sent = boost::json::parse(wire->body, ec, {}, util::request_parse_options());
    SLUICE_FUZZ_CHECK(!ec && sent.is_object(), "the Messages body is a JSON object");
  } else {
    SLUICE_FUZZ_CHECK(model::http_status(wire.error()) / 100 == 4,
                      "a refusal is a 4xx: " + wire.error().message);
  }
  std::vector<std::string> dropped;
  auto plain = providers::without_anthropic_fields(out, "openai", dropped);
  if (plain) {
    SLUICE_FUZZ_CHECK(!providers::carries_anthropic_fields(plain->body),
                      "nothing Anthropic-only is left: " + boost::json::serialize(plain->body));
    SLUICE_FUZZ_CHECK(out.anthropic_fields || dropped.empty(),
                      "only a marked request loses fields");
  } else {
    SLUICE_FUZZ_CHECK(model::http_status(plain.error()) == 400, "a refusal is a 400");
  }
}

}  // namespace sluice::fuzz
