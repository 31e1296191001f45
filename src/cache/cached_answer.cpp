#include "cache/cached_answer.hpp"

#include <zstd.h>

#include <boost/json.hpp>

#include "util/json_parse.hpp"

namespace sluice::cache {
namespace json = boost::json;

namespace {

constexpr int kVersion = 1;

json::object usage_json(const model::Usage& u) {
  json::object o = model::usage_to_openai(u);
  if (u.cache_write_tokens) o["cache_write_tokens"] = *u.cache_write_tokens;
  if (!u.service_tier.empty()) o["service_tier"] = u.service_tier;
  if (u.billed_usd) o["billed_usd"] = *u.billed_usd;
  return o;
}

model::Usage usage_of(const json::value* v) {
  model::Usage u = model::usage_from_openai(v);
  if (v == nullptr || !v->is_object()) return u;
  const json::object& o = v->get_object();
  if (const auto* w = o.if_contains("cache_write_tokens")) {
    if (w->is_uint64()) u.cache_write_tokens = w->as_uint64();
    if (w->is_int64() && w->as_int64() >= 0)
      u.cache_write_tokens = static_cast<std::uint64_t>(w->as_int64());
  }
  if (const auto* t = o.if_contains("service_tier"); t && t->is_string())
    u.service_tier = t->get_string();
  if (const auto* b = o.if_contains("billed_usd"); b && b->is_number())
    u.billed_usd = b->to_number<double>();
  return u;
}

std::int64_t integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}

}  // namespace

std::string encode(const CachedAnswer& answer) {
  // Written by hand around the body so the (possibly large) body is serialized once, in place.
  json::object head{{"v", kVersion},
                    {"stored_ms", answer.stored_ms},
                    {"expires_ms", answer.expires_ms},
                    {"endpoint", answer.endpoint},
                    {"scope", answer.scope},
                    {"usage", usage_json(answer.response.usage)}};
  std::string out = json::serialize(head);
  out.pop_back();  // the closing brace
  out += ",\"body\":";
  out += answer.response.raw.empty() ? json::serialize(answer.response.body) : answer.response.raw;
  out += '}';
  return out;
}

std::optional<CachedAnswer> decode(std::string_view text) {
  boost::system::error_code ec;
  json::value v = util::parse_json(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  json::object& o = v.get_object();
  const auto* version = o.if_contains("v");
  if (version == nullptr || !version->is_int64() || version->as_int64() != kVersion)
    return std::nullopt;
  auto* body = o.if_contains("body");
  const auto* endpoint = o.if_contains("endpoint");
  const auto* scope = o.if_contains("scope");
  if (body == nullptr || !body->is_object() || endpoint == nullptr || !endpoint->is_string() ||
      scope == nullptr || !scope->is_string())
    return std::nullopt;
  CachedAnswer a;
  a.stored_ms = integer(o, "stored_ms");
  a.expires_ms = integer(o, "expires_ms");
  if (a.stored_ms < 0 || a.expires_ms < 0) return std::nullopt;
  a.endpoint = endpoint->get_string();
  a.scope = scope->get_string();
  a.response.usage = usage_of(o.if_contains("usage"));
  a.response.body = std::move(body->get_object());
  a.bytes = text.size();
  return a;
}

std::string compress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n) != 0U) return {};
  out.resize(n);
  return out;
}

std::optional<std::string> decompress(std::string_view data, std::size_t max_bytes) {
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_bytes)
    return std::nullopt;
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n) != 0U || n != out.size()) return std::nullopt;
  return out;
}

}  // namespace sluice::cache
