#include <gtest/gtest.h>

#include <random>

#include "ExtractTestUtil.h"

namespace {
dw::ExtractResult run(std::string_view src) { return dw::Extractor(dw::test::stubs()).extract(src); }
}  // namespace

TEST(BadInput, SkipsAreClassified) {
  EXPECT_EQ(run("").skip, dw::Skip::Empty);
  EXPECT_EQ(run(" \n\t\n").skip, dw::Skip::Empty);
  EXPECT_EQ(run(std::string_view("x = 1\0\0", 7)).skip, dw::Skip::Binary);
  EXPECT_EQ(run(std::string(200, '\xff')).skip, dw::Skip::NotUtf8);
  dw::ExtractOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(dw::Extractor(dw::test::stubs(), small).extract("x = 'long enough'").skip, dw::Skip::TooLarge);
}

TEST(BadInput, AFewBadBytesAreRepairedAndParsed) {
  std::string src =
      "import os\n# caf\xe9 latin-1 comment in a long enough file ................................\n"
      "os.getcwd()\n" +
      std::string(200, '#') + "\n";
  auto r = run(src);
  EXPECT_EQ(r.skip, dw::Skip::None);
  EXPECT_TRUE(r.repaired_utf8);
  ASSERT_EQ(r.file.sites.size(), 1u);
}

TEST(BadInput, SyntaxErrorsStillYieldSites) {
  auto r = run("import os\ndef f(:\n    os.getcwd(\nos.sep\n");
  EXPECT_EQ(r.skip, dw::Skip::None);
  EXPECT_GT(r.file.parse_errors, 0u);
  bool found = false;
  for (const auto& s : r.file.sites) found |= r.file.member(s) == "sep";
  EXPECT_TRUE(found);
}

TEST(BadInput, DeepNestingIsCappedNotCrashing) {
  std::string deep(50000, '(');
  deep += "x";
  deep += std::string(50000, ')');
  auto r = run(deep);
  EXPECT_EQ(r.skip, dw::Skip::None);
  std::string blocks;
  for (int i = 0; i < 3000; ++i) blocks += std::string(size_t(i), ' ') + "if x:\n";
  blocks += std::string(3000, ' ') + "y.z\n";
  EXPECT_NO_THROW(run(blocks));
}

TEST(BadInput, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    std::string s(size_t(rng() % 400), '\0');
    static constexpr char kChars[] = "ab.(): \n\x01\xc3\xa9\"'#\\x=_[]{},";
    for (auto& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
    auto r = run(s);
    for (const auto& site : r.file.sites) ASSERT_LT(site.pos, r.file.tokens.size());
  }
}

TEST(BadInput, TenMegabyteFileIsExtracted) {
  std::string line = "value = os.path.join(base, name) + str(count)\n";
  std::string src = "import os\n";
  while (src.size() + line.size() < (10u << 20) - 64) src += line;
  auto r = run(src);
  EXPECT_EQ(r.skip, dw::Skip::None);
  EXPECT_GT(r.file.sites.size(), 200000u);
}
