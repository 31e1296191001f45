#include "util/money.hpp"

#include <gtest/gtest.h>

namespace sluice::util {
namespace {

// Found replaying a report: a $0.0018 budget was refused as "spent $0.00 of its $0.00".
TEST(Dollars, ShowAsManyDigitsAsTheAmountNeeds) {
  EXPECT_EQ(dollars(0), "0.00");
  EXPECT_EQ(dollars(1.5), "1.50");
  EXPECT_EQ(dollars(12), "12.00");
  EXPECT_EQ(dollars(0.0018), "0.0018");
  EXPECT_EQ(dollars(0.123456789), "0.123457");
  EXPECT_EQ(dollars(1234.5678), "1234.5678");
  EXPECT_EQ(dollars(0.0000001), "0.00");
}

}  // namespace
}  // namespace sluice::util
