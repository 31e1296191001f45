#include "cache/cache_key.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
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

void append_object(const json::object& o, std::string& out, bool top) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
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
    out += json::serialize(json::string_view(kv->key()));
    out += ':';
    append_canonical(kv->value(), out);
  }
  out += '}';
}

}  // namespace

void append_canonical(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::object:
      append_object(value.get_object(), out, false);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& v : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_canonical(v, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      // Integral doubles as integers, so 1.0 and 1 are one key.
      const double d = value.get_double();
      // (The range first: converting a double past int64's range is undefined.)
      if (d > -9e15 && d < 9e15 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
        out += std::to_string(static_cast<std::int64_t>(d));
        return;
      }
      out += json::serialize(value);
      return;
    }
    default:
      out += json::serialize(value);
  }
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
  append_object(request.body, text, true);
  return util::sha256_hex(text);
}

}  // namespace sluice::cache
