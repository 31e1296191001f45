// The guardrails' built-in detectors (src/guardrails/detector.hpp) scan whatever a client or a
// provider sends: any bytes never crash them, and what they report lies inside the text, in
// order, without overlaps, each span non-empty and no longer than the detectors' max_span. The
// prompt-injection heuristics (guardrails/injection.hpp) likewise: their signals lie inside the
// text (an encoded blob is decoded and scanned again, a UTF-8 decoder walks every byte).
#include "fuzz_support.hpp"
#include "guardrails/detector.hpp"
#include "guardrails/injection.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sluice::guardrails::Detector detector;
  const std::string_view text = sluice::fuzz::as_text(data, size);
  sluice::fuzz::no_throw("guardrails scan", [&] {
    std::size_t last_end = 0;
    for (const auto& f : detector.scan(text)) {
      SLUICE_FUZZ_CHECK(f.begin < f.end && f.end <= text.size(), "a finding inside the text");
      SLUICE_FUZZ_CHECK(f.begin >= last_end, "findings in order, not overlapping");
      SLUICE_FUZZ_CHECK(f.end - f.begin <= detector.max_span(), "a finding within max_span");
      last_end = f.end;
    }
    for (const auto& s : sluice::guardrails::injection_signals(text)) {
      SLUICE_FUZZ_CHECK(s.begin < s.end && s.end <= text.size(), "a signal inside the text");
    }
  });
  return 0;
}
