// W3C traceparent parsing and formatting (trace_context.hpp), with the spec's own examples.
#include "observability/trace_context.hpp"

#include <gtest/gtest.h>

namespace sluice::observability {

TEST(TraceParent, ReadsTheSpecExampleAndFormatsItBack) {
  const std::string h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto p = parse_traceparent(h);
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(p->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(p->parent_id), "00f067aa0ba902b7");
  EXPECT_TRUE(p->sampled);
  EXPECT_EQ(format_traceparent(p->trace_id, p->parent_id, p->sampled), h);
  auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
}

TEST(TraceParent, RefusesWhatTheSpecRefuses) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 has 4 fields
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
       })
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  // A later version is read by its first four fields (§4.3).
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later"));
}

TEST(TraceIds, AreRandomAndNeverZero) {
  const TraceId a = new_trace_id(), b = new_trace_id();
  EXPECT_NE(a, b);
  EXPECT_FALSE(is_zero(new_span_id()));
}

TEST(Sampling, FollowsTheRatioByTraceId) {
  EXPECT_TRUE(sampled_by_ratio(new_trace_id(), 1.0));
  EXPECT_FALSE(sampled_by_ratio(new_trace_id(), 0.0));
  int kept = 0;
  for (int i = 0; i < 4000; ++i) kept += sampled_by_ratio(new_trace_id(), 0.25) ? 1 : 0;
  EXPECT_GT(kept, 800);  // 1000 expected; a 7-sigma band
  EXPECT_LT(kept, 1200);
}

}  // namespace sluice::observability
