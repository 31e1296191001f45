#include "cache/cache_key.hpp"

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <vector>

#include "util/digest.hpp"

namespace sluice::cache {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 9> kIgnored = {"model",
                                                      "user",
                                                      "metadata",
                                                      "stream",
                                                      "stream_options",
                                                      "store",
                                                      "safety_identifier",
                                                      "prompt_cache_key",
                                                      "prompt_cache_retention"};

bool ignored(std::string_view key) {
  return std::find(kIgnored.begin(), kIgnored.end(), key) != kIgnored.end();
}

// Writes what `sr` was reset to, without an intermediate string.
void drain(json::serializer& sr, std::string& out) {
  char buf[512];
  while (!sr.done()) {
    const std::string_view piece = sr.read(buf, sizeof buf);
    out.append(piece.data(), piece.size());
  }
}

void append_value(const json::value& value, std::string& out, json::serializer& sr);

void append_object(const json::object& o, std::string& out, bool top, json::serializer& sr) {
  boost::container::small_vector<const json::key_value_pair*, 16> members;
  for (const auto& kv : o) {
    if (!top || !ignored(kv.key())) members.push_back(&kv);
  }
  std::sort(members.begin(), members.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  out += '{';
  bool first = true;
  for (const auto* kv : members) {
    if (!first) out += ',';
    first = false;
    sr.reset(kv->key());
    drain(sr, out);
    out += ':';
    append_value(kv->value(), out, sr);
  }
  out += '}';
}

void append_value(const json::value& value, std::string& out, json::serializer& sr) {
  switch (value.kind()) {
    case json::kind::object:
      append_object(value.get_object(), out, false, sr);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& v : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_value(v, out, sr);
      }
      out += ']';
      return;
    }
    case json::kind::int64:
    case json::kind::uint64: {
      char buf[24];
      const auto end = value.is_int64() ? std::to_chars(buf, buf + sizeof buf, value.get_int64())
                                        : std::to_chars(buf, buf + sizeof buf, value.get_uint64());
      out.append(buf, end.ptr);
      return;
    }
    case json::kind::double_: {
      // Integral doubles as integers, so 1.0 and 1 are one key. (The range first: converting a
      // double past int64's range is undefined.)
      const double d = value.get_double();
      if (d > -9e15 && d < 9e15 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
        char buf[24];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d)).ptr);
        return;
      }
      break;
    }
    default:
      break;
  }
  sr.reset(&value);
  drain(sr, out);
}

}  // namespace

void append_canonical(const json::value& value, std::string& out) {
  json::serializer sr;
  append_value(value, out, sr);
}

std::string scope_id(config::CacheSpec::Scope scope, std::string_view key_id,
                     std::string_view team) {
  switch (scope) {
    case config::CacheSpec::Scope::kGlobal:
      return "g";
    case config::CacheSpec::Scope::kTeam:
      if (!team.empty()) return "t:" + std::string(team);
      break;
    case config::CacheSpec::Scope::kKey:
      break;
  }
  return "k:" + std::string(key_id);
}

std::string cache_key(const model::Request& request, std::string_view identity,
                      std::string_view scope) {
  std::string text;
  text.reserve(256);
  // Length-prefixed, so no two (identity, scope, …) splits of one text collide.
  for (std::string_view part :
       {identity, scope, std::string_view(request.anthropic_version),
        std::string_view(request.anthropic_beta), model::endpoint_type_name(request.operation)}) {
    text += std::to_string(part.size());
    text += ':';
    text += part;
  }
  json::serializer sr;
  append_object(request.body, text, true, sr);
  return util::sha256_hex(text);
}

double temperature_of(const model::Request& request) {
  const auto* t = request.body.if_contains("temperature");
  return t != nullptr && t->is_number() ? t->to_number<double>() : 1.0;
}

}  // namespace sluice::cache
