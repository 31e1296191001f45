// BPE tokenizer (src/tokenizer/encoding.hpp), o200k_base and cl100k_base: for any bytes (valid
// UTF-8 or not), decode(encode(x)) == x, with and without special tokens; count(x) equals
// encode(x).size(); every id decodes to at least one byte. Long runs of one character are where
// a quadratic merge shows: the run's -timeout makes that a failure.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "tokenizer/encoding.hpp"

namespace {

using sluice::tokenizer::Encoding;
using sluice::tokenizer::Rank;

void check(const Encoding& e, std::string_view text) {
  const std::vector<Rank> ids = e.encode(text);
  SLUICE_FUZZ_CHECK(ids.size() <= text.size(), e.name() + ": no more tokens than bytes");
  SLUICE_FUZZ_CHECK(e.decode(ids) == text, e.name() + ": decode(encode(x)) == x");
  SLUICE_FUZZ_CHECK(e.count(text) == ids.size(), e.name() + ": count(x) == encode(x).size()");
  for (Rank id : ids) {
    SLUICE_FUZZ_CHECK(!e.decode(std::span<const Rank>(&id, 1)).empty(),
                      e.name() + ": an id from encode decodes to bytes");
  }
  const std::vector<Rank> special = e.encode(text, true);
  SLUICE_FUZZ_CHECK(e.decode(special) == text, e.name() + ": round trip with special tokens");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Encoding* const o200k = Encoding::named("o200k_base");
  static const Encoding* const cl100k = Encoding::named("cl100k_base");
  SLUICE_FUZZ_CHECK(o200k != nullptr && cl100k != nullptr, "both encodings exist");
  const std::string_view text = sluice::fuzz::as_text(data, size);
  sluice::fuzz::no_throw("Encoding", [&] {
    check(*o200k, text);
    check(*cl100k, text);
  });
  return 0;
}
