#include "util/base64.hpp"

#include <gtest/gtest.h>

namespace sluice::util {

TEST(Base64, EncodesRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, FloatsAreLittleEndianFloat32) {
  // 1.0f = 0x3f800000 → bytes 00 00 80 3f; -2.0f = 0xc0000000 → 00 00 00 c0
  const float values[] = {1.0f, -2.0f};
  EXPECT_EQ(floats_to_base64(values),
            base64_encode(std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8)));
}

}  // namespace sluice::util
