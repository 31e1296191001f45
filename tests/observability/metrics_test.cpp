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
  EXPECT_NE(
      text.find("sluice_requests_total{endpoint=\"chat\",status=\"200\",status_class=\"2xx\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("sluice_requests_total{endpoint=\"chat\",status=\"502\",status_class=\"5xx\"} 1\n"),
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
  EXPECT_NE(text.find("sluice_tokens_total{endpoint=\"chat\",kind=\"input\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE sluice_requests_in_flight gauge"), std::string::npos);
}

TEST(Metrics, EndpointSeriesCarryTheLabelsTheConfigGivesEscaped) {
  Metrics m;
  auto& s = m.endpoint("chat");
  s.count_status(200);
  s.completion_tokens += 3;
  s.reasoning_tokens += 2;
  s.cost_nano_usd += 1'500'000'000;
  s.time_to_first_token.observe(0.2);
  const std::string text = m.render([](const std::string& name) {
    return name == "chat" ? "model=\"" + label_value("a\"b\\c\nd") + "\"" : std::string();
  });
  EXPECT_NE(
      text.find("sluice_requests_total{endpoint=\"chat\",model=\"a\\\"b\\\\c\\nd\",status=\"200\""),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("kind=\"output\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("kind=\"reasoning\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_cost_usd_total{endpoint=\"chat\",model="), std::string::npos);
  EXPECT_NE(text.find("} 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_time_to_first_token_seconds_bucket{endpoint=\"chat\",model=\"a\\\"b"
                      "\\\\c\\nd\",le=\"0.25\"} 1\n"),
            std::string::npos);
  // Requests that named no endpoint have no provider, model or upstream series.
  EXPECT_NE(text.find("sluice_request_duration_seconds_count{endpoint=\"\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(text.find("sluice_tokens_total{endpoint=\"\""), std::string::npos);
}

TEST(Metrics, RetriesAndFallbacksAreCountedPerRoute) {
  Metrics m;
  m.route_attempts("main", 2, 1);
  m.route_attempts("main", 0, 1);
  const std::string text = m.render();
  EXPECT_NE(text.find("sluice_route_retries_total{route=\"main\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_route_fallbacks_total{route=\"main\"} 2\n"), std::string::npos);
}

}  // namespace sluice::observability
