#include "pipeline/policies/rate_limit.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "stores/memory/memory_counter_store.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;

TEST(RenewalPeriod, LimitsLibraryLengths) {
  EXPECT_EQ(renewal_period_length("second"), std::chrono::seconds(1));
  EXPECT_EQ(renewal_period_length("minute"), std::chrono::seconds(60));
  EXPECT_EQ(renewal_period_length("day"), std::chrono::seconds(86400));
  EXPECT_EQ(renewal_period_length("month"), std::chrono::seconds(2592000));
  EXPECT_EQ(renewal_period_length("year"), std::chrono::seconds(31104000));
  EXPECT_FALSE(renewal_period_length("fortnight"));
}

TEST(RateLimitPolicy, StopsWithMlflowMessageAndRetryAfter) {
  stores::MemoryCounterStore store;
  RateLimitPolicy policy(store);
  config::Endpoint endpoint;
  endpoint.name = "chat";
  endpoint.limit = config::Limit{"minute", 1, ""};
  asio::io_context io;
  auto verdicts = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::vector<Verdict>> {
        std::vector<Verdict> out;
        for (const char* client : {"10.0.0.1", "10.0.0.1", "10.0.0.2"}) {
          RequestContext ctx;
          ctx.endpoint = &endpoint;
          ctx.client_address = client;
          out.push_back(co_await policy.on_request(ctx));
          if (out.back() == Verdict::kStop) {
            EXPECT_EQ(ctx.error->message, "Rate limit exceeded: 1 per 1 minute");
            EXPECT_EQ(model::http_status(*ctx.error), 429u);
            EXPECT_GE(ctx.error->retry_after_s.value_or(0), 1u);
          }
        }
        RequestContext unlimited;  // no endpoint limit: always continue
        config::Endpoint free_endpoint;
        unlimited.endpoint = &free_endpoint;
        out.push_back(co_await policy.on_request(unlimited));
        co_return out;
      },
      asio::use_future);
  io.run();
  EXPECT_EQ(verdicts.get(), (std::vector<Verdict>{Verdict::kContinue, Verdict::kStop,
                                                  Verdict::kContinue, Verdict::kContinue}));
}

}  // namespace sluice::pipeline
