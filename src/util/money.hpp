#pragma once
// Dollar amounts for people (error messages, the CLI): as many digits as the amount needs to be
// true, so a $0.0018 budget does not read "$0.00".

#include <string>

namespace sluice::util {

// At least two decimals, up to six (trailing zeros past the second dropped): 1.5 → "1.50",
// 0.0018 → "0.0018", 0.123456789 → "0.123457", 0 → "0.00". No "$".
std::string dollars(double usd);

}  // namespace sluice::util
