#pragma once
// Shared by the libFuzzer targets in this folder (docs/fuzzing.md): an invariant check that
// aborts (so libFuzzer saves the input), a guard that turns an escaping exception into a crash
// with its message, and a builder that turns fuzz bytes into a JSON value made of an API's own
// vocabulary, so the mutator reaches the validators' deeper branches without first having to
// invent valid JSON.

#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

// An invariant the code under test promises. On failure: print it and abort, which libFuzzer
// reports as a crash and saves as crash-<sha1>.
#define SLUICE_FUZZ_CHECK(cond, what)                                                            \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "\nFUZZ INVARIANT FAILED at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, \
                   std::string(what).c_str(), #cond);                                            \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)

namespace sluice::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`; an exception escaping it is a failure (for APIs that promise Result<> values).
template <typename Body>
void no_throw(const char* api, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nFUZZ: exception escaped %s: %s\n", api, e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "\nFUZZ: non-std exception escaped %s\n", api);
    std::abort();
  }
}

// A split point in [0, size] derived from the input itself, so a saved crash reproduces.
inline std::size_t split_point(std::string_view in) {
  if (in.empty()) return 0;
  std::size_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : in) h = (h ^ c) * 16777619u;
  return h % (in.size() + 1);
}

// Reads fuzz bytes front to back; returns zeros once they run out.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool empty() const { return pos_ >= bytes_.size(); }
  std::uint8_t byte() { return empty() ? 0 : static_cast<std::uint8_t>(bytes_[pos_++]); }
  std::string_view take(std::size_t n) {
    n = std::min(n, bytes_.size() - std::min(pos_, bytes_.size()));
    auto out = bytes_.substr(std::min(pos_, bytes_.size()), n);
    pos_ += n;
    return out;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// Builds a JSON value from `r`: keys and most strings come from `words` (an API's field names
// and enum values), numbers include the edges validators check (0, 1, -1, 2.5, 1e300, 2^63…).
class JsonBuilder {
 public:
  // `words`: the vocabulary, separated by spaces.
  JsonBuilder(ByteReader& r, std::string_view words) : r_(r) {
    for (std::size_t pos = 0; pos < words.size();) {
      const std::size_t end = std::min(words.find(' ', pos), words.size());
      if (end > pos) words_.push_back(words.substr(pos, end - pos));
      pos = end + 1;
    }
  }

  boost::json::value value(int depth = 0) {
    const std::uint8_t kind = r_.byte();
    switch (depth >= 6 ? kind % 6 : kind % 9) {
      case 0:
        return nullptr;
      case 1:
        return (kind & 0x80) != 0;
      case 2:
        return integer();
      case 3:
        return number();
      case 4:
      case 5:
        return string();
      case 6:
      case 7:
        return object(depth + 1);
      default:
        return array(depth + 1);
    }
  }

  boost::json::object object(int depth = 0) {
    boost::json::object o;
    const std::size_t n = r_.byte() % 8;
    for (std::size_t i = 0; i < n && !r_.empty(); ++i) {
      boost::json::string key = string();
      o[key] = value(depth);
    }
    return o;
  }

 private:
  boost::json::value integer() {
    static constexpr std::int64_t kEdges[] = {0,   1,     -1,    2,         4,        5,
                                              100, 65535, 65536, INT64_MAX, INT64_MIN};
    const std::uint8_t b = r_.byte();
    if (b < 11 * 16) return kEdges[b % 11];
    if (b < 240) return static_cast<std::int64_t>(r_.byte()) - 64;
    return std::uint64_t{18446744073709551615u} - r_.byte();  // above INT64_MAX
  }

  boost::json::value number() {
    static constexpr double kEdges[] = {0.0,   -0.0,   0.5,    1.0,    -1.0,    2.0,  2.5,   -2.5,
                                        1e300, -1e300, 1e-300, 9.3e18, -9.3e18, 1e19, 3.0e9, 1.5};
    return kEdges[r_.byte() % 16];
  }

  boost::json::string string() {
    const std::uint8_t b = r_.byte();
    if (b < 200 && !words_.empty()) return boost::json::string(words_[b % words_.size()]);
    return boost::json::string(r_.take(r_.byte() % 16));
  }

  boost::json::array array(int depth) {
    boost::json::array a;
    const std::size_t n = r_.byte() % 6;
    for (std::size_t i = 0; i < n && !r_.empty(); ++i) a.push_back(value(depth));
    return a;
  }

  ByteReader& r_;
  std::vector<std::string_view> words_;
};

}  // namespace sluice::fuzz
