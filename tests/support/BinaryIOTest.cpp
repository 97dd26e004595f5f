#include "support/BinaryIO.h"

#include <gtest/gtest.h>

TEST(BinaryIO, RoundTripsEveryKind) {
  dw::ByteWriter w;
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(1ull << 40);
  w.f32(1.5f);
  w.varint(0);
  w.varint(300);
  w.varint(UINT64_MAX);
  w.str("héllo");
  dw::ByteReader r(w.buffer());
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 1ull << 40);
  EXPECT_EQ(r.f32(), 1.5f);
  EXPECT_EQ(r.varint(), 0u);
  EXPECT_EQ(r.varint(), 300u);
  EXPECT_EQ(r.varint(), UINT64_MAX);
  EXPECT_EQ(r.str(), "héllo");
  EXPECT_TRUE(r.done());
}

TEST(BinaryIO, TruncationIsAnErrorNotAnOverread) {
  dw::ByteWriter w;
  w.str("a string of some length");
  std::string cut = w.buffer().substr(0, 5);
  dw::ByteReader r(cut);
  EXPECT_THROW(r.str(), dw::FormatError);
  dw::ByteReader r2(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));
  EXPECT_THROW(r2.varint(), dw::FormatError);
  dw::ByteReader r3(std::string_view("\x01\x02", 2));
  EXPECT_THROW(r3.u32(), dw::FormatError);
}
