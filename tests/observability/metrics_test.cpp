#include "observability/metrics.hpp"

#include <gtest/gtest.h>

namespace sluice::observability {

TEST(Metrics, RendersCountersAndHistogramsInPrometheusText) {
  Metrics m;
  auto& s = m.endpoint("chat");
  s.count_status(200);
  s.count_status(200);
  s.count_status(502);
  s.latency.observe(0.003);
  s.latency.observe(20);
  s.prompt_tokens += 7;
  EXPECT_EQ(&m.endpoint("chat"), &s);  // stable across lookups
  std::string text = m.render();
  EXPECT_NE(text.find("sluice_requests_total{endpoint=\"chat\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_requests_total{endpoint=\"chat\",status=\"502\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("sluice_request_duration_seconds_bucket{endpoint=\"chat\",le=\"0.0025\"} 0\n"),
      std::string::npos);
  EXPECT_NE(text.find("sluice_request_duration_seconds_bucket{endpoint=\"chat\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_request_duration_seconds_bucket{endpoint=\"chat\",le=\"10\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_request_duration_seconds_bucket{endpoint=\"chat\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_request_duration_seconds_count{endpoint=\"chat\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_tokens_total{endpoint=\"chat\",kind=\"prompt\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE sluice_requests_in_flight gauge"), std::string::npos);
}

}  // namespace sluice::observability
