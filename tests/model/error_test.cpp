#include "model/error.hpp"

#include <gtest/gtest.h>

namespace sluice::model {

TEST(ErrorTable, StatusPerCode) {
  EXPECT_EQ(http_status(Error::invalid("x")), 400u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kNotFound, "")), 404u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kMethodNotAllowed, "")), 405u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kPayloadTooLarge, "")), 413u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kUnsupportedMediaType, "")), 415u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kHeadersTooLarge, "")), 431u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kUpstreamTimeout, "")), 504u);
  EXPECT_EQ(http_status(Error::make(ErrorCode::kUpstreamUnavailable, "")), 502u);
}

TEST(ErrorTable, UpstreamStatusIsKept) {
  Error e = Error::make(ErrorCode::kUpstreamClientError, "");
  e.upstream_status = 422;
  EXPECT_EQ(http_status(e), 422u);
  EXPECT_EQ(openai_type(e), "invalid_request_error");
  e.upstream_status = 401;
  EXPECT_EQ(openai_type(e), "authentication_error");
  Error s = Error::make(ErrorCode::kUpstreamServerError, "");
  s.upstream_status = 503;
  EXPECT_EQ(http_status(s), 503u);
  s.upstream_status = 302;  // a server error code must stay a 5xx
  EXPECT_EQ(http_status(s), 502u);
}

TEST(ErrorTable, RetryableOnlyForServerSideAnd429) {
  Error e = Error::make(ErrorCode::kUpstreamClientError, "");
  e.upstream_status = 400;
  EXPECT_FALSE(retryable(e));
  e.upstream_status = 429;
  EXPECT_TRUE(retryable(e));
  EXPECT_TRUE(retryable(Error::make(ErrorCode::kUpstreamTimeout, "")));
  EXPECT_TRUE(retryable(Error::make(ErrorCode::kUpstreamUnavailable, "")));
  EXPECT_FALSE(retryable(Error::invalid("")));
}

}  // namespace sluice::model
