// Replays every input the fuzzers ever crashed on (tests/data/fuzz/<target>/) through the same entry
// points (fuzz/Entries.h): a regression aborts this binary. Plus the bugs they found, spelled out.
#include <gtest/gtest.h>

#include <filesystem>

#include "corpus/Shard.h"
#include "fuzz/Entries.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"

namespace fs = std::filesystem;

namespace {
const fs::path kData = fs::path(DOTWISE_SOURCE_DIR) / "tests" / "data" / "fuzz";

size_t replay(const std::string& target, void (*entry)(std::string_view)) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(kData / target)) {
    auto rd = dw::read_file(e.path());
    EXPECT_EQ(rd.error, "") << e.path();
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(entry(rd.data));
    ++n;
  }
  return n;
}

std::string small_model(dw::Quant q) {
  dw::ModelConfig cfg;
  cfg.vocab_size = 6;
  cfg.max_oov = 2;
  cfg.dx = 4;
  cfg.dh = 3;
  cfg.layers = 2;
  dw::ModelWeights w = dw::random_weights(cfg, {});
  w.vocab = {"<pad>", "<unk>", ".", "x", "upper", "lower"};
  std::vector<int32_t> members = {4, 5};
  return dw::serialize_model(w, q, members);
}
}  // namespace

TEST(FuzzReplay, ExtractorInputs) { EXPECT_GT(replay("extract", dw::fuzz::extract_bytes), 0u); }
TEST(FuzzReplay, IndexInputs) { EXPECT_GT(replay("index", dw::fuzz::index_bytes), 0u); }
TEST(FuzzReplay, LspInputs) { replay("lsp", dw::fuzz::lsp_bytes); }
TEST(FuzzReplay, ModelInputs) { replay("model", dw::fuzz::model_bytes); }
TEST(FuzzReplay, ShardInputs) { EXPECT_GT(replay("shard", dw::fuzz::shard_bytes), 0u); }

// The fuzzers' checksum repair must leave intact files unchanged (else it repairs nothing useful).
TEST(FuzzReplay, ChecksumRepairKeepsIntactFiles) {
  for (auto q : {dw::Quant::kFp32, dw::Quant::kInt8}) {
    std::string m = small_model(q), fixed = m;
    ASSERT_TRUE(dw::fuzz::fix_model_checksum(fixed));
    EXPECT_EQ(fixed, m);
    EXPECT_NO_THROW(dw::fuzz::model_bytes(m));
  }
  dw::ShardFile f{"p", "a.py", {{"x", ".", "upper"}, {0, 1, 2}, {dw::Site{.pos = 2}}, 0}};
  std::string s = dw::encode_shard({f}), fixed = s;
  ASSERT_TRUE(dw::fuzz::fix_shard_checksum(fixed));
  EXPECT_EQ(fixed, s);
  EXPECT_NO_THROW(dw::fuzz::shard_bytes(s));
}

// Found by fuzz_extract: a control character between "." and the member name became a token of its
// own, and the site was still labelled, so tokens[pos-1] was not the dot readers expect.
TEST(FuzzReplay, SitesAlwaysFollowTheirDot) {
  dw::TypeshedIndex stubs(dw::TypeshedIndex::default_roots());
  dw::Extractor ex(stubs);
  for (std::string src : {".\x01"
                          "c",
                          "x.\x01"
                          "c\n",
                          "import os\nos.\x02path.join\nos.getcwd()\n"}) {
    auto r = ex.extract(src);
    if (r.skip != dw::Skip::None) continue;
    for (const auto& s : r.file.sites) {
      ASSERT_GE(s.pos, 1u);
      EXPECT_EQ(r.file.token(s.pos - 1), ".") << "member " << r.file.member(s);
    }
  }
  auto ok = ex.extract("import os\nos.getcwd()\n");
  ASSERT_EQ(ok.file.sites.size(), 1u);  // an ordinary access is still a site
}

// A site position delta so large that the sum wraps around 2^64 used to pass the range check and
// give sites out of stream order, which encode_shard cannot write back.
TEST(FuzzReplay, ShardSiteDeltaCannotWrap) {
  dw::ByteWriter p;
  p.str("p");
  p.str("a.py");
  p.varint(0);  // parse errors
  p.varint(2);  // strings
  p.str(".");
  p.str("x");
  p.varint(2);  // tokens
  p.varint(0);
  p.varint(1);
  p.varint(2);  // sites
  for (uint64_t delta : {uint64_t(1), ~uint64_t(0)}) {
    p.varint(delta);
    for (int k = 0; k < 5; ++k) p.varint(0);
    p.u8(0);
  }
  dw::ByteWriter w;
  w.raw("DWSHARD\0", 8);
  w.u32(dw::kShardVersion);
  w.u32(1);
  w.u64(2);
  w.u64(2);
  w.u64(0);
  w.u64(0);
  std::string bytes = w.buffer() + p.buffer();
  ASSERT_TRUE(dw::fuzz::fix_shard_checksum(bytes));
  EXPECT_THROW(dw::decode_shard(bytes), dw::FormatError);
  EXPECT_NO_THROW(dw::fuzz::shard_bytes(bytes));
}

// Found by fuzz_lsp: `textDocument/completion` without an id (a notification) ran the request handler,
// which replied to msg["id"] of a const Json that has none: a read of freed memory.
TEST(FuzzReplay, RequestMethodsSentAsNotificationsAreIgnored) {
  auto frame = [](const std::string& body) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  std::string s = frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  s += frame(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":)"
             R"({"uri":"file:///a.py","languageId":"python","version":1,"text":"import os\nos."}}})");
  s += frame(R"({"jsonrpc":"2.0","method":"textDocument/completion","params":{"textDocument":{"uri":"file:///a.py"},)"
             R"("position":{"line":1,"character":3}}})");
  s += frame(R"({"jsonrpc":"2.0","method":"initialize","params":{}})");
  s += frame(R"({"jsonrpc":"2.0","method":"shutdown"})");
  s += frame(R"({"jsonrpc":"2.0","method":"exit"})");
  EXPECT_NO_THROW(dw::fuzz::lsp_bytes(s));
}
