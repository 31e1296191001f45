// The response cache's stored form (src/cache/cached_answer.hpp), read back from Redis, which
// any process with access to it can write: decoding any text or decompressing any bytes never
// crashes; decompression stays within its bound; what decodes re-encodes to text that decodes to
// the same answer. And the exact cache's canonical form (src/cache/cache_key.hpp) of any JSON does
// not depend on the order of object members.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "cache/cache_key.hpp"
#include "cache/cached_answer.hpp"
#include "fuzz_support.hpp"

namespace {

// `v` with every object's members in reverse order (arrays keep theirs).
boost::json::value reversed(const boost::json::value& v) {
  if (const auto* o = v.if_object()) {
    boost::json::object out;
    for (auto it = o->end(); it != o->begin();) {
      --it;
      out.emplace(it->key(), reversed(it->value()));
    }
    return out;
  }
  if (const auto* a = v.if_array()) {
    boost::json::array out;
    for (const auto& x : *a) out.push_back(reversed(x));
    return out;
  }
  return v;
}

bool finite(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (const auto* o = v.if_object())
    return std::all_of(o->begin(), o->end(), [](const auto& kv) { return finite(kv.value()); });
  if (const auto* a = v.if_array()) return std::all_of(a->begin(), a->end(), finite);
  return true;
}

// Equal, but doubles only to within a relative 1e-12: Boost.JSON 1.81 does not parse every
// double it writes back to the same bits.
bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() || b.is_double()) {
    if (!a.is_number() || !b.is_number()) return false;
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* o = a.if_object()) {
    const auto& p = b.get_object();
    if (o->size() != p.size()) return false;
    for (const auto& kv : *o) {
      const auto* other = p.if_contains(kv.key());
      if (other == nullptr || !same(kv.value(), *other)) return false;
    }
    return true;
  }
  if (const auto* x = a.if_array()) {
    const auto& y = b.get_array();
    if (x->size() != y.size()) return false;
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (!same((*x)[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::cache;
  const std::string_view in = sluice::fuzz::as_text(data, size);
  sluice::fuzz::no_throw("cache decode", [&] {
    if (auto a = decode(in)) {
      auto again = decode(encode(*a));
      // (A number past double's range is read as infinity, which is written as 1e99999 and not
      // read back: such an answer is a miss once stored, never a wrong answer.)
      if (!again && !finite(a->response.body)) return;
      SLUICE_FUZZ_CHECK(again.has_value(), "an encoded answer decodes");
      SLUICE_FUZZ_CHECK(same(again->response.body, a->response.body), "the body survives");
      SLUICE_FUZZ_CHECK(
          again->response.usage.prompt_tokens == a->response.usage.prompt_tokens &&
              again->response.usage.completion_tokens == a->response.usage.completion_tokens &&
              again->response.usage.cache_write_tokens == a->response.usage.cache_write_tokens,
          "the usage survives");
      SLUICE_FUZZ_CHECK(again->endpoint == a->endpoint && again->scope == a->scope &&
                            again->stored_ms == a->stored_ms && again->expires_ms == a->expires_ms,
                        "the entry's fields survive");
    }
    constexpr std::size_t kBound = 1 << 16;
    if (auto out = decompress(in, kBound)) SLUICE_FUZZ_CHECK(out->size() <= kBound, "bounded");
    const std::string packed = compress(in);
    SLUICE_FUZZ_CHECK(decompress(packed, size) == std::optional<std::string>(in),
                      "decompress(compress(x)) == x");
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(in, ec);
    if (!ec) {
      std::string once;
      append_canonical(v, once);
      std::string reordered;
      append_canonical(reversed(v), reordered);
      SLUICE_FUZZ_CHECK(once == reordered, "member order does not change the canonical form");
    }
  });
  return 0;
}
