#include "support/Utf8.h"

#include <gtest/gtest.h>

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(dw::is_valid_utf8("plain ascii"));
  EXPECT_TRUE(dw::is_valid_utf8("naïve – 日本語 – 🐍"));
  EXPECT_TRUE(dw::is_valid_utf8(std::string_view("\0", 1)));
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(dw::first_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(dw::first_invalid_utf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(dw::first_invalid_utf8("x\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(dw::first_invalid_utf8("ok\xe6\x97"), 2u);        // truncated sequence
  EXPECT_EQ(dw::first_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
}
