#include <gtest/gtest.h>

#include <string>

#include "index/HashIds.h"

// Dense ids in first-seen order, stable across the table's growth; a string never interned is kNone.
TEST(HashIds, DenseStableIdsThroughGrowth) {
  dw::HashIds ids;
  EXPECT_EQ(ids.find("x"), dw::HashIds::kNone);
  const uint32_t n = 98000;
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(ids.intern("self:pkg.mod.C" + std::to_string(i)), i);
  EXPECT_EQ(ids.size(), n);
  for (uint32_t i = 0; i < n; i += 7) {
    EXPECT_EQ(ids.find("self:pkg.mod.C" + std::to_string(i)), i);
    EXPECT_EQ(ids.intern("self:pkg.mod.C" + std::to_string(i)), i);  // no second id
  }
  EXPECT_EQ(ids.size(), n);
  EXPECT_EQ(ids.find("self:pkg.mod.C" + std::to_string(n)), dw::HashIds::kNone);
  EXPECT_EQ(ids.find(""), dw::HashIds::kNone);
  EXPECT_EQ(ids.intern(""), n);
  EXPECT_EQ(ids.find(""), n);
  // At most three quarters full: 98,001 ids fit in 2^17 slots of 12 bytes.
  EXPECT_LE(ids.bytes(), (size_t(1) << 17) * 12);
}
