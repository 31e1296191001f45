#include "policies/mlflow_limit/mlflow_limit.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "stores/memory/memory_counter_store.hpp"

namespace sluice::policies {
using pipeline::RequestContext;
using pipeline::Step;
namespace asio = boost::asio;

TEST(RenewalPeriod, LimitsLibraryLengths) {
  EXPECT_EQ(renewal_period_length("second"), std::chrono::seconds(1));
  EXPECT_EQ(renewal_period_length("minute"), std::chrono::seconds(60));
  EXPECT_EQ(renewal_period_length("day"), std::chrono::seconds(86400));
  EXPECT_EQ(renewal_period_length("month"), std::chrono::seconds(2592000));
  EXPECT_EQ(renewal_period_length("year"), std::chrono::seconds(31104000));
  EXPECT_FALSE(renewal_period_length("fortnight"));
}

TEST(MlflowLimitPolicy, FailsWithMlflowMessageAndRetryAfter) {
  stores::MemoryCounterStore store;
  MlflowLimitPolicy policy(store);
  config::Endpoint endpoint;
  endpoint.name = "chat";
  endpoint.limit = config::Limit{"minute", 1, ""};
  asio::io_context io;
  auto verdicts = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::vector<Step::Kind>> {
        std::vector<Step::Kind> out;
        for (const char* client : {"10.0.0.1", "10.0.0.1", "10.0.0.2"}) {
          RequestContext ctx;
          ctx.endpoint = &endpoint;
          ctx.client_address = client;
          EXPECT_EQ(policy.on_request(ctx, nullptr).kind(), Step::Kind::kWait);
          Step step = co_await policy.on_request_async(ctx, nullptr);
          out.push_back(step.kind());
          if (step.kind() == Step::Kind::kFail) {
            EXPECT_EQ(step.error()->message, "Rate limit exceeded: 1 per 1 minute");
            EXPECT_EQ(model::http_status(*step.error()), 429u);
            EXPECT_GE(step.error()->retry_after_s.value_or(0), 1u);
          }
        }
        RequestContext unlimited;  // no endpoint limit: the policy skips the request
        config::Endpoint free_endpoint;
        unlimited.endpoint = &free_endpoint;
        out.push_back(policy.on_request(unlimited, nullptr).kind());
        co_return out;
      },
      asio::use_future);
  io.run();
  EXPECT_EQ(verdicts.get(), (std::vector<Step::Kind>{Step::Kind::kNext, Step::Kind::kFail,
                                                     Step::Kind::kNext, Step::Kind::kSkip}));
}

}  // namespace sluice::policies
