#include "util/request_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sluice::util {

TEST(RequestId, GeneratedIdsAreUniqueAndWellFormed) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_request_id();
    EXPECT_EQ(id.size(), 28u);
    EXPECT_EQ(id.rfind("req_", 0), 0u);
    EXPECT_TRUE(is_acceptable_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, ClientIdsMustBeShortPrintableAscii) {
  EXPECT_TRUE(is_acceptable_request_id("trace-42/abc"));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id("has space"));
  EXPECT_FALSE(is_acceptable_request_id("line\nbreak"));
  EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
}

}  // namespace sluice::util
