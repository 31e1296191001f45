#include "providers/common/support.hpp"

#include <boost/json.hpp>

#include "util/json_parse.hpp"

namespace sluice::providers::common {

Error upstream_error(std::string_view provider, unsigned status, std::string message,
                     std::string_view body) {
  Error error;
  error.code = status >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError;
  error.upstream_status = status;
  error.provider = provider;
  error.message = std::move(message);
  if (error.message.empty()) {
    error.message = "provider returned HTTP " + std::to_string(status);
    if (!body.empty()) error.message += ": " + std::string(body.substr(0, 200));
  }
  return error;
}

Error bad_answer(std::string_view provider, std::string message) {
  Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
  e.provider = provider;
  return e;
}

Result<boost::json::object> parse_answer(std::string_view provider, std::string_view body,
                                         const boost::json::storage_ptr& storage) {
  boost::system::error_code ec;
  boost::json::value parsed = util::parse_json(body, ec, storage);
  if (ec || !parsed.is_object())
    return bad_answer(provider, "provider returned a response that is not a JSON object");
  return std::move(parsed.get_object());
}

std::optional<boost::json::object> object_member(std::string_view body, std::string_view key) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  const boost::json::value* v =
      !ec && parsed.is_object() ? parsed.get_object().if_contains(key) : nullptr;
  if (v == nullptr || !v->is_object()) return std::nullopt;
  return v->get_object();
}

Result<bool> reject_unsupported(const ConfigMap& config) {
  auto mode = config.string("unsupported_params");
  if (!mode) return mode.error();
  const std::string m = mode->value_or("reject");
  if (m != "reject" && m != "drop")
    return config.fail("unsupported_params", "must be reject or drop");
  return m == "reject";
}

Result<util::BaseUrl> base_url(const ConfigMap& config, const std::string& key,
                               const std::string& fallback) {
  auto given = config.string(key);
  if (!given) return given.error();
  const std::string text = given->value_or(fallback);
  std::string why;
  auto url = util::parse_base_url(text, why);
  if (!url) return config.fail(key, "'" + text + "' " + why);
  return *url;
}

std::optional<Error> Unsupported::semantic(std::string_view key) {
  if (reject_) {
    std::string message = "'";  // appended: GCC 12 misreports chained + (-Wrestrict)
    message.append(key)
        .append("' is not supported by the ")
        .append(provider_)
        .append(
            " provider (set unsupported_params: drop in the endpoint's config to drop it "
            "instead).");
    return Error::invalid(std::move(message), std::string(key));
  }
  dropped_.emplace_back(key);
  return std::nullopt;
}

std::optional<DataUrl> parse_data_url(std::string_view url) {
  const auto comma = url.find(',');
  if (!url.starts_with("data:") || comma == std::string_view::npos) return std::nullopt;
  std::string_view meta = url.substr(5, comma - 5);
  if (!meta.ends_with(";base64")) return std::nullopt;
  return DataUrl{meta.substr(0, meta.size() - 7), url.substr(comma + 1)};
}

std::string_view image_media_type(std::string_view declared, std::string_view base64_data) {
  // Magic numbers, base64-encoded: \x89PNG\r\n\x1a\n, \xFF\xD8\xFF, GIF8, RIFF....WEBP.
  if (base64_data.starts_with("iVBORw0KGgo")) return "image/png";
  if (base64_data.starts_with("/9j/")) return "image/jpeg";
  if (base64_data.starts_with("R0lGOD")) return "image/gif";
  if (base64_data.starts_with("UklGR") && base64_data.size() >= 16 &&
      base64_data.substr(11, 5) == "XRUJQ") {
    return "image/webp";
  }
  if (declared == "image/jpg") return "image/jpeg";
  return declared;
}

const boost::json::value* image_url_of(const boost::json::object& part) {
  const boost::json::value* ref = part.if_contains("image_url");
  const boost::json::value* url =
      ref != nullptr && ref->is_object() ? ref->get_object().if_contains("url") : ref;
  return url != nullptr && url->is_string() ? url : nullptr;
}

}  // namespace sluice::providers::common
