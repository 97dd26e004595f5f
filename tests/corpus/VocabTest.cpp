#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "corpus/Vocab.h"
#include "support/BinaryIO.h"

namespace {
dw::ExtractedFile file_of(std::initializer_list<const char*> toks, std::initializer_list<uint32_t> site_pos = {}) {
  dw::ExtractedFile f;
  dw::StringInterner in(f);
  for (auto t : toks) f.tokens.push_back(in(t));
  for (auto p : site_pos) f.sites.push_back(dw::Site{.pos = p});
  return f;
}
}  // namespace

TEST(Vocab, MinCountOrderAndPerFileOovIds) {
  dw::VocabCounter c;
  c.add(file_of({"a", ".", "x", "a", ".", "y", "a", ".", "x"}, {2, 5, 8}));
  c.add(file_of({"b", ".", "x"}, {2}));
  auto v = dw::Vocab::build(c.counts(), 2, 3);
  // a:3 x:3 .:4 -> ids by count desc then token: "." (4), "a" (3), "x" (3); y and b are rare.
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v.token(2), ".");
  EXPECT_EQ(v.token(3), "a");
  EXPECT_EQ(v.token(4), "x");
  EXPECT_EQ(v.id("y"), -1);
  EXPECT_TRUE(v.is_member(v.id("x")));
  EXPECT_FALSE(v.is_member(v.id("a")));
  EXPECT_EQ(v.member_ids(), std::vector<int32_t>{4});

  auto f = file_of({"q", "a", "r", "q", "s", "t", "u", "r"});
  auto e = dw::encode(v, f);
  // q -> V+0, r -> V+1, s -> V+2, t and u overflow max_oov=3 -> <unk>; same token, same id.
  EXPECT_EQ(e.ids, (std::vector<int32_t>{5, 3, 6, 5, 7, 1, 1, 6}));
  EXPECT_EQ(e.oov, (std::vector<std::string>{"q", "r", "s"}));
}

TEST(Vocab, SaveLoadRoundTripAndBadFiles) {
  dw::VocabCounter c;
  c.add(file_of({"a", ".", "b", "a", ".", "b"}, {2, 5}));
  auto v = dw::Vocab::build(c.counts(), 1, 16);
  auto dir = std::filesystem::temp_directory_path() / "dw_vocab_test";
  std::filesystem::create_directories(dir);
  v.save(dir / "vocab.tsv");
  auto w = dw::Vocab::load(dir / "vocab.tsv");
  EXPECT_EQ(w.size(), v.size());
  EXPECT_EQ(w.max_oov(), 16u);
  for (int32_t i = 0; i < int32_t(v.size()); ++i) {
    EXPECT_EQ(w.token(i), v.token(i));
    EXPECT_EQ(w.member_count(i), v.member_count(i));
  }
  for (std::string bad :
       {"", "garbage\n", "# dotwise-vocab 1 min_count=1 max_oov=2\n<pad>\t0\t0\n<unk>\t0",
        "# dotwise-vocab 1 min_count=x max_oov=2\n", "# dotwise-vocab 1 min_count=1 max_oov=2\na\t1\n"}) {
    std::ofstream(dir / "bad.tsv") << bad;
    EXPECT_THROW(dw::Vocab::load(dir / "bad.tsv"), dw::FormatError) << bad;
  }
  EXPECT_THROW(dw::Vocab::load(dir / "missing.tsv"), dw::FormatError);
  std::filesystem::remove_all(dir);
}

// A model file's token list becomes the same vocabulary as build() over its counts (the server loads
// it this way, without building a counts map of copies), and it rejects lists that would not.
TEST(Vocab, OrderedListGivesTheSameIdsAsBuild) {
  dw::VocabCounter c;
  c.add(file_of({"a", ".", "x", "a", ".", "y", "a", ".", "x", "zz_long_token_past_the_short_string_size"}, {2, 5, 8}));
  auto v = dw::Vocab::build(c.counts(), 1, 7);
  std::vector<std::string_view> toks;
  std::vector<uint8_t> member;
  for (int32_t i = 0; i < int32_t(v.size()); ++i) toks.push_back(v.token(i)), member.push_back(v.is_member(i));
  auto w = dw::Vocab::ordered(toks, member, 7);
  ASSERT_EQ(w.size(), v.size());
  EXPECT_EQ(w.max_oov(), 7u);
  for (int32_t i = 0; i < int32_t(v.size()); ++i) {
    EXPECT_EQ(w.token(i), v.token(i));
    EXPECT_EQ(w.id(v.token(i)), i);
    EXPECT_EQ(w.is_member(i), v.is_member(i));
  }
  EXPECT_EQ(w.member_ids(), v.member_ids());
  EXPECT_EQ(w.id("not there"), -1);
  EXPECT_THROW(w.token(int32_t(w.size())), std::out_of_range);

  toks.push_back("a");  // a duplicate
  EXPECT_THROW(dw::Vocab::ordered(toks, member, 7), dw::FormatError);
  toks.pop_back();
  toks.erase(toks.begin());  // no <pad>
  EXPECT_THROW(dw::Vocab::ordered(toks, member, 7), dw::FormatError);
}
