#include "util/url.hpp"

#include <gtest/gtest.h>

namespace sluice::util {

TEST(ParseBaseUrl, SplitsSchemeHostPortPath) {
  std::string why;
  auto u = parse_base_url("https://api.openai.com/v1/", why);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/v1");
  EXPECT_TRUE(u->tls());
  EXPECT_EQ(u->origin(), "https://api.openai.com:443");
  auto local = parse_base_url("http://127.0.0.1:8000", why);
  ASSERT_TRUE(local);
  EXPECT_EQ(local->port, 8000);
  EXPECT_EQ(local->path, "");
  auto v6 = parse_base_url("http://[::1]:11434/v1", why);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
}

TEST(ParseBaseUrl, RejectsWhatCannotBeAnUpstream) {
  std::string why;
  EXPECT_FALSE(parse_base_url("api.openai.com/v1", why));
  EXPECT_FALSE(parse_base_url("ftp://host/v1", why));
  EXPECT_EQ(why, "must start with http:// or https://");
  EXPECT_FALSE(parse_base_url("http://host/v1?x=1", why));
  EXPECT_FALSE(parse_base_url("http://host:0/", why));
  // Found by fuzzing: Boost.URL reads these as a port and a path without its leading '/'.
  EXPECT_FALSE(parse_base_url("http://example.com:80x/v1", why));
  EXPECT_FALSE(parse_base_url("https://[::1]1.x3/a/b//", why));
}

}  // namespace sluice::util
