#include "util/money.hpp"

#include <cstdio>

namespace sluice::util {

std::string dollars(double usd) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6f", usd);
  std::string s = buf;
  const std::size_t point = s.find('.');
  if (point == std::string::npos) return s;
  while (s.size() > point + 3 && s.back() == '0') s.pop_back();
  return s;
}

}  // namespace sluice::util
