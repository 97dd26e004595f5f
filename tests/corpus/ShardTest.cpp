#include "corpus/Shard.h"

#include <gtest/gtest.h>

#include "support/BinaryIO.h"

namespace {
dw::ShardFile sample(const std::string& path) {
  dw::ShardFile f;
  f.project = "proj";
  f.path = path;
  dw::StringInterner in(f.data);
  for (const char* t : {"import", "os", "<nl>", "os", ".", "getcwd", "(", ")"}) f.data.tokens.push_back(in(t));
  dw::Site s;
  s.pos = 5;
  s.receiver = in("os");
  s.cls = in("os");
  s.line = 1;
  s.col = 3;
  s.flags = dw::kSiteCall;
  f.data.sites.push_back(s);
  s.cls = dw::kNoString;
  s.pos = 3;
  f.data.sites.insert(f.data.sites.begin(), s);
  f.data.parse_errors = 2;
  return f;
}
}  // namespace

TEST(Shard, RoundTrips) {
  std::vector<dw::ShardFile> files{sample("a.py"), sample("b/c.py"), dw::ShardFile{}};
  auto bytes = dw::encode_shard(files);
  EXPECT_EQ(dw::decode_shard(bytes), files);
  auto h = dw::read_shard_header(bytes);
  EXPECT_EQ(h.n_files, 3u);
  EXPECT_EQ(h.n_tokens, 16u);
  EXPECT_EQ(h.n_sites, 4u);
}

TEST(Shard, EveryTruncationAndEveryFlippedByteIsRejected) {
  auto bytes = dw::encode_shard({sample("a.py")});
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_THROW(dw::decode_shard(bytes.substr(0, n)), dw::FormatError) << n;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] = char(bad[i] ^ 0x5a);
    EXPECT_THROW(dw::decode_shard(bad), dw::FormatError) << i;
  }
}

TEST(Shard, HostilePayloadWithValidChecksumIsRejected) {
  // A payload that claims a token index past its string table, with the checksum recomputed.
  dw::ShardFile f = sample("a.py");
  f.data.tokens[0] = 99;
  auto bytes = dw::encode_shard({f});
  EXPECT_THROW(dw::decode_shard(bytes), dw::FormatError);
}
