// W3C traceparent (src/observability/trace_context.hpp), read from any client. Parsing any text
// never crashes; what parses has non-zero ids and formats back to a header that parses to the
// same ids and flag; a version-00 header in canonical form (flags 00 or 01) formats back to
// itself byte for byte.
#include "fuzz_support.hpp"
#include "observability/trace_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::observability;
  const std::string_view in = sluice::fuzz::as_text(data, size);
  const auto parsed = parse_traceparent(in);
  if (!parsed) return 0;
  SLUICE_FUZZ_CHECK(!is_zero(parsed->parent_id), "a parent id is never all zero");
  const std::string again =
      format_traceparent(parsed->trace_id, parsed->parent_id, parsed->sampled);
  SLUICE_FUZZ_CHECK(again.size() == 55, "formatted as version 00");
  const auto reparsed = parse_traceparent(again);
  SLUICE_FUZZ_CHECK(reparsed && reparsed->trace_id == parsed->trace_id &&
                        reparsed->parent_id == parsed->parent_id &&
                        reparsed->sampled == parsed->sampled,
                    "format → parse keeps the ids and the sampled flag");
  if (in.size() == 55 && in.starts_with("00-") && (in.ends_with("-00") || in.ends_with("-01")))
    SLUICE_FUZZ_CHECK(again == in, "a canonical version-00 header formats back to itself");
  SLUICE_FUZZ_CHECK(
      sampled_by_ratio(parsed->trace_id, 0.5) == sampled_by_ratio(parsed->trace_id, 0.5),
      "sampling by ratio is a function of the trace id");
  return 0;
}
