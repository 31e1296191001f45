// Base64 (src/util/base64.hpp). Decoding any text never crashes and gives at most 3 bytes per 4
// characters; encode → decode is the identity; a decoded value re-encodes to text that decodes
// to it again; floats_to_base64 decodes to the floats' little-endian bytes.
#include <bit>
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"
#include "util/base64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::util;
  const std::string_view in = sluice::fuzz::as_text(data, size);

  const std::string encoded = base64_encode(in);
  SLUICE_FUZZ_CHECK(encoded.size() == (size + 2) / 3 * 4, "encoded length is 4*ceil(n/3)");
  SLUICE_FUZZ_CHECK(base64_decode(encoded) == std::optional<std::string>(in),
                    "decode(encode(x)) == x");

  if (auto decoded = base64_decode(in)) {
    SLUICE_FUZZ_CHECK(decoded->size() <= size / 4 * 3 + 2, "decoding shrinks");
    SLUICE_FUZZ_CHECK(base64_decode(base64_encode(*decoded)) == decoded,
                      "a decoded value survives another round");
  }

  std::vector<float> floats(size / 4);
  if (!floats.empty()) std::memcpy(floats.data(), data, floats.size() * 4);
  const auto raw = base64_decode(floats_to_base64(floats));
  SLUICE_FUZZ_CHECK(raw && raw->size() == floats.size() * 4, "floats decode to 4 bytes each");
  if constexpr (std::endian::native == std::endian::little) {
    SLUICE_FUZZ_CHECK(raw->compare(0, raw->size(), in.substr(0, raw->size())) == 0,
                      "floats decode to their little-endian bytes");
  }
  return 0;
}
