#include "routing/classify.hpp"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

Error upstream(ErrorCode code, unsigned status, std::string message = "x") {
  Error e = Error::make(code, std::move(message));
  e.upstream_status = status;
  return e;
}

TEST(Classify, OutcomeOfEachFailure) {
  EXPECT_EQ(outcome_of(upstream(ErrorCode::kUpstreamClientError, 429)),
            AttemptOutcome::kRateLimited);
  EXPECT_EQ(outcome_of(upstream(ErrorCode::kUpstreamClientError, 400)),
            AttemptOutcome::kClientError);
  EXPECT_EQ(outcome_of(upstream(ErrorCode::kUpstreamServerError, 503)),
            AttemptOutcome::kServerError);
  EXPECT_EQ(outcome_of(Error::make(ErrorCode::kUpstreamTimeout, "t")), AttemptOutcome::kTimeout);
  EXPECT_EQ(outcome_of(Error::make(ErrorCode::kUpstreamUnavailable, "c")),
            AttemptOutcome::kConnectError);
  EXPECT_EQ(outcome_of(Error::invalid("bad")), AttemptOutcome::kClientError);
}

TEST(Classify, ContextLengthErrors) {
  Error openai = upstream(ErrorCode::kUpstreamClientError, 400,
                          "This model's maximum context length is 8192 tokens.");
  openai.error_code = "context_length_exceeded";
  EXPECT_TRUE(is_context_length_error(openai));
  EXPECT_TRUE(is_context_length_error(upstream(
      ErrorCode::kUpstreamClientError, 400, "prompt is too long: 210000 tokens > 200000 maximum")));
  EXPECT_TRUE(is_context_length_error(
      upstream(ErrorCode::kUpstreamClientError, 400, "Input is too long for requested model.")));
  EXPECT_FALSE(is_context_length_error(
      upstream(ErrorCode::kUpstreamClientError, 400, "temperature must be <= 2")));
  // The phrase in a 5xx is not the caller's prompt being too long.
  EXPECT_FALSE(
      is_context_length_error(upstream(ErrorCode::kUpstreamServerError, 500, "context length")));
}

TEST(RetryPolicy, DefaultRetriesRateLimitsServerErrorsTimeoutsAndConnectFailures) {
  config::RetryPolicy p;
  for (unsigned s : {429u, 500u, 502u, 503u, 504u, 529u})  // 529: Anthropic overloaded
    EXPECT_TRUE(p.retryable(
        upstream(s >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError, s)))
        << s;
  for (unsigned s : {400u, 401u, 403u, 404u, 422u})
    EXPECT_FALSE(p.retryable(upstream(ErrorCode::kUpstreamClientError, s))) << s;
  EXPECT_FALSE(p.retryable(upstream(ErrorCode::kUpstreamServerError, 501)));
  EXPECT_TRUE(p.retryable(Error::make(ErrorCode::kUpstreamTimeout, "t")));
  EXPECT_TRUE(p.retryable(Error::make(ErrorCode::kUpstreamUnavailable, "c")));
  // An error event inside a stream carries no status: treated as a 500.
  EXPECT_TRUE(p.retryable(Error::make(ErrorCode::kUpstreamServerError, "overloaded")));
  EXPECT_FALSE(p.retryable(Error::invalid("bad")));
  EXPECT_FALSE(p.retryable(Error::make(ErrorCode::kInternal, "bug")));
}

TEST(RetryPolicy, OnListReplacesTheDefaults) {
  config::RetryPolicy p;
  p.statuses.reset();
  p.statuses.set(503);
  p.on_timeout = false;
  EXPECT_TRUE(p.retryable(upstream(ErrorCode::kUpstreamServerError, 503)));
  EXPECT_FALSE(p.retryable(upstream(ErrorCode::kUpstreamServerError, 500)));
  EXPECT_FALSE(p.retryable(Error::make(ErrorCode::kUpstreamTimeout, "t")));
  EXPECT_TRUE(p.retryable(Error::make(ErrorCode::kUpstreamUnavailable, "c")));
}

}  // namespace
}  // namespace sluice::routing
