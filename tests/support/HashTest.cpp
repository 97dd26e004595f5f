#include "support/Hash.h"

#include <gtest/gtest.h>

TEST(Hash, Fnv1aMatchesPublishedVectors) {
  // Reference values of FNV-1a 64 (the split rule depends on them never changing).
  EXPECT_EQ(dw::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(dw::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(dw::fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Hash, Hash64SeparatesNearbyInputs) {
  EXPECT_NE(dw::hash64("abc"), dw::hash64("abd"));
  EXPECT_NE(dw::hash64("abcdefgh"), dw::hash64("abcdefgh\0", 9));
  EXPECT_NE(dw::hash64(""), dw::hash64("", 1));
  EXPECT_EQ(dw::hash64("same input"), dw::hash64("same input"));
}
