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
  // Found by a hostile probe: a port above 65535 wrapped around (99999 → 34463), and a URL's
  // user name and password were dropped without a word.
  EXPECT_FALSE(parse_base_url("http://127.0.0.1:99999/v1", why));
  EXPECT_EQ(why, "has an invalid port");
  EXPECT_FALSE(parse_base_url("http://127.0.0.1:65536", why));
  EXPECT_TRUE(parse_base_url("http://127.0.0.1:65535", why));
  EXPECT_FALSE(parse_base_url("http://user:p%40ss@collector:4318", why));
  EXPECT_EQ(why, "must not hold a user name or password (send credentials as headers)");
}

}  // namespace sluice::util
