// What an external guardrail service answers (src/policies/guardrails/external_shapes.cpp) is
// read whatever it holds: any bytes, in any of the three shapes, never crash the reader, and the
// findings it gives lie inside the text checked, in order, without overlaps, on UTF-8 character
// boundaries (the text is valid UTF-8, as every JSON string sluice parsed is), with short clean
// labels. Input: a shape byte, then the answer, a 0 byte, the text.
#include <cstring>

#include "fuzz_support.hpp"
#include "policies/guardrails/external.hpp"
#include "util/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using Shape = sluice::config::ExternalCheck::Shape;
  sluice::config::ExternalCheck check;
  check.shape = static_cast<Shape>(data[0] % 3);
  const std::string_view rest = sluice::fuzz::as_text(data + 1, size - 1);
  const auto cut = rest.find('\0');
  const std::string_view body = rest.substr(0, cut);
  // Texts come from parsed JSON, so they are valid UTF-8: the fuzzer's bytes are made so.
  const std::string text =
      sluice::util::valid_utf8(cut == std::string_view::npos ? "" : rest.substr(cut + 1));
  sluice::fuzz::no_throw("guardrail answer", [&] {
    (void)sluice::policies::external::request_body(check, text);
    const auto found = sluice::policies::external::read_answer(check, body, text);
    if (!found) return;
    std::size_t last_end = 0;
    for (const auto& h : *found) {
      SLUICE_FUZZ_CHECK(!h.label.empty() && h.label.size() <= 24, "a short label");
      if (check.shape != Shape::kPresidio) continue;
      SLUICE_FUZZ_CHECK(h.begin < h.end && h.end <= text.size(), "a span inside the text");
      SLUICE_FUZZ_CHECK(h.begin >= last_end, "spans in order, not overlapping");
      const auto boundary = [&](std::size_t i) {
        return i == text.size() || (static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U;
      };
      SLUICE_FUZZ_CHECK(boundary(h.begin) && boundary(h.end), "spans on character boundaries");
      last_end = h.end;
    }
  });
  return 0;
}
