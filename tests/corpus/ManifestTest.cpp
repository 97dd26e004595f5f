#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "corpus/Manifest.h"
#include "support/BinaryIO.h"

namespace {
namespace fs = std::filesystem;

std::vector<dw::ManifestEntry> sample() {
  return {
      {"zeta", "test", "a/b.py", "/x/zeta/a/b.py", 12, 0x0123456789abcdefull},
      {"alpha", "train", "odd\tname\nwith\\escapes\r.py", "/x/alpha/odd\tname\nwith\\escapes\r.py", 0, 7},
      {"alpha", "train", std::string("caf\xe9/\xff\xfe.py"), std::string("/x/alpha/caf\xe9/\xff\xfe.py"), 3, ~0ull},
  };
}

std::string line(std::string_view body) { return std::string(dw::kManifestHeader) + "\n" + std::string(body); }

}  // namespace

TEST(Manifest, RoundTripSortsAndKeepsOddBytes) {
  auto dir = fs::path(testing::TempDir()) / "manifest_rt";
  fs::create_directories(dir);
  auto p = dir / "manifest.tsv";
  dw::write_manifest(p, sample());
  auto back = dw::read_manifest(p);
  auto want = sample();
  std::sort(want.begin(), want.end(),
            [](auto& a, auto& b) { return std::tie(a.project, a.relpath) < std::tie(b.project, b.relpath); });
  EXPECT_EQ(back, want);
  // Writing what was read gives the same bytes.
  EXPECT_EQ(dw::encode_manifest(back), dw::encode_manifest(sample()));
  // Escaped fields never break the one-entry-a-line layout.
  auto text = dw::encode_manifest(sample());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_NE(text.find("\t0123456789abcdef\t12\t"), std::string::npos);
}

TEST(Manifest, EmptyManifestIsValid) { EXPECT_TRUE(dw::decode_manifest(line("")).empty()); }

TEST(Manifest, RejectsMalformedInput) {
  const std::string ok = "p\ttrain\t00000000000000ff\t3\ta.py\t/a.py\n";
  ASSERT_EQ(dw::decode_manifest(line(ok)).size(), 1u);
  const std::vector<std::string> bad = {
      "",                                                                       // no header at all
      "# dotwise-manifest 2\n" + ok,                                            // other version
      line("p\ttrain\t00000000000000ff\t3\ta.py\n"),                            // 5 fields
      line("p\ttrain\t00000000000000ff\t3\ta.py\t/a.py\textra\n"),              // 7 fields
      line("p\tvalidation\t00000000000000ff\t3\ta.py\t/a.py\n"),                // unknown split
      line("p\ttrain\tff\t3\ta.py\t/a.py\n"),                                   // short hash
      line("p\ttrain\t00000000000000FF\t3\ta.py\t/a.py\n"),                     // upper-case hash
      line("p\ttrain\t00000000000000fg\t3\ta.py\t/a.py\n"),                     // not hex
      line("p\ttrain\t00000000000000ff\t-3\ta.py\t/a.py\n"),                    // negative size
      line("p\ttrain\t00000000000000ff\t99999999999999999999\ta.py\t/a.py\n"),  // overflow
      line("p\ttrain\t00000000000000ff\t3\t/abs.py\t/a.py\n"),                  // absolute relpath
      line("p\ttrain\t00000000000000ff\t3\tx/../a.py\t/a.py\n"),                // .. in relpath
      line("p\ttrain\t00000000000000ff\t3\ta\\q.py\t/a.py\n"),                  // unknown escape
      line("p\ttrain\t00000000000000ff\t3\ta.py\\\t/a.py\n"),                   // dangling backslash
      line("\ttrain\t00000000000000ff\t3\ta.py\t/a.py\n"),                      // empty project
      line(ok + ok),                                                            // duplicate
      line("p\ttrain\t00000000000000ff\t3\tb.py\t/b.py\n" + ok),                // unsorted
      line(ok + "p\ttest\t00000000000000ff\t3\tb.py\t/b.py\n"),                 // project in two splits
      line(ok.substr(0, ok.size() - 1)),                                        // truncated last line
      line(ok + "\n"),                                                          // blank line
  };
  for (size_t i = 0; i < bad.size(); ++i) EXPECT_THROW(dw::decode_manifest(bad[i]), dw::FormatError) << "case " << i;
}

TEST(Manifest, ErrorsNameTheLine) {
  try {
    dw::decode_manifest(line("p\ttrain\t00000000000000ff\t3\ta.py\t/a.py\np\tbogus\t0\t0\tb.py\t/b.py\n"), "m.tsv");
    FAIL() << "accepted a bad split";
  } catch (const dw::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("m.tsv:3:"), std::string::npos) << e.what();
  }
}

TEST(Manifest, MissingFileIsAFormatError) {
  EXPECT_THROW(dw::read_manifest(fs::path(testing::TempDir()) / "no-such-manifest.tsv"), dw::FormatError);
}
