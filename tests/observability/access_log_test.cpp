#include "observability/access_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "support/fixtures.hpp"

namespace sluice::observability {

TEST(AccessLine, HasEveryFieldAsJson) {
  AccessRecord r;
  r.request_id = "req_1";
  r.method = "POST";
  r.path = "/v1/chat/completions";
  r.endpoint = "chat";
  r.provider = "openai";
  r.provider_model = "gpt-4o";
  r.status = 200;
  r.latency_ms = 12.3456;
  r.upstream_latency_ms = 10.0;
  r.overhead_ms = 2.3456;
  r.stream = true;
  r.usage.prompt_tokens = 5;
  r.usage.completion_tokens = 6;
  r.usage.total_tokens = 11;
  auto o = boost::json::parse(format_access_line(r)).as_object();
  EXPECT_EQ(o.at("request_id"), "req_1");
  EXPECT_EQ(o.at("endpoint"), "chat");
  EXPECT_EQ(o.at("provider_model"), "gpt-4o");
  EXPECT_EQ(o.at("status"), 200);
  EXPECT_DOUBLE_EQ(o.at("latency_ms").to_number<double>(), 12.346);
  EXPECT_EQ(o.at("stream"), true);
  EXPECT_EQ(o.at("total_tokens"), 11);
  EXPECT_TRUE(o.at("time").is_string());
  EXPECT_FALSE(o.contains("error"));
  AccessRecord empty;
  empty.error = "quote \" and newline \n";
  auto e = boost::json::parse(format_access_line(empty)).as_object();
  EXPECT_TRUE(e.at("endpoint").is_null());
  EXPECT_TRUE(e.at("prompt_tokens").is_null());
  EXPECT_EQ(e.at("error"), "quote \" and newline \n");
}

TEST(AccessLog, WritesEveryLineToTheFileBeforeClosing) {
  auto path = std::filesystem::temp_directory_path() /
              ("sluice-access-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    AccessLog log(path.string());
    AccessRecord r;
    for (int i = 0; i < 1000; ++i) {
      r.request_id = "req_" + std::to_string(i);
      log.write(r);
    }
  }
  auto text = testing::read_text(path);
  std::filesystem::remove(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1000);
  EXPECT_NE(text.find("\"request_id\":\"req_999\""), std::string::npos);
}

TEST(AccessLog, UnopenableFileThrows) {
  EXPECT_THROW(AccessLog("/nonexistent-dir/x.log"), std::runtime_error);
}

}  // namespace sluice::observability
