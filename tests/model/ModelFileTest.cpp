#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {
namespace {

const ModelConfig kSmall{.vocab_size = 12, .max_oov = 3, .dx = 5, .dh = 4, .layers = 2};

void expect_same(const ModelWeights& a, const ModelWeights& b, float tol) {
  ASSERT_EQ(a.vocab, b.vocab);
  auto near = [&](const std::vector<float>& x, const std::vector<float>& y) {
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol);
  };
  near(a.embedding, b.embedding);
  for (size_t l = 0; l < a.lstm.size(); ++l) {
    near(a.lstm[l].w_ih, b.lstm[l].w_ih);
    near(a.lstm[l].w_hh, b.lstm[l].w_hh);
    near(a.lstm[l].b, b.lstm[l].b);
  }
  near(a.proj_w, b.proj_w);
  near(a.proj_b, b.proj_b);
  near(a.out_b, b.out_b);
}

TEST(ModelFile, Fp32RoundTripIsExactThroughMmap) {
  ModelWeights w = random_weights(kSmall);
  w.vocab[5] = "with\ttab and ünïcode";
  std::vector<int32_t> members{3, 4, 14};
  auto path = std::filesystem::temp_directory_path() / ("dw_model_test_" + std::to_string(::getpid()) + ".dwm");
  write_model(path, w, Quant::kFp32, members);
  {
    ModelFile f = ModelFile::open(path);
    EXPECT_EQ(f.format_version(), kModelFormatVersion);
    EXPECT_EQ(f.quant(), Quant::kFp32);
    EXPECT_EQ(f.config().rows(), 15u);
    EXPECT_EQ(f.token(5), w.vocab[5]);
    EXPECT_EQ(std::vector<int32_t>(f.member_ids().begin(), f.member_ids().end()), members);
    expect_same(f.to_weights(), w, 0.0f);
  }
  std::filesystem::remove(path);
}

TEST(ModelFile, Int8RoundTripIsWithinHalfAStep) {
  ModelWeights w = random_weights(kSmall);
  ModelFile f = ModelFile::from_bytes(serialize_model(w, Quant::kInt8));
  EXPECT_EQ(f.quant(), Quant::kInt8);
  EXPECT_TRUE(f.embedding().quantized());
  EXPECT_FALSE(f.embedding().f32);
  // Per-row scale = max|w| / 127, so the error is at most half of that.
  expect_same(f.to_weights(), w, 1.0f / 127.0f);
}

TEST(ModelFile, RejectsInconsistentWeightsOnWrite) {
  ModelWeights w = random_weights(kSmall);
  w.lstm[1].w_hh.pop_back();
  EXPECT_THROW(serialize_model(w, Quant::kFp32), std::invalid_argument);
  w = random_weights(kSmall);
  std::vector<int32_t> members{99};
  EXPECT_THROW(serialize_model(w, Quant::kFp32, members), std::invalid_argument);
}

TEST(ModelFile, EveryTruncationIsAnError) {
  for (Quant q : {Quant::kFp32, Quant::kInt8}) {
    std::string good = serialize_model(random_weights(kSmall), q);
    for (size_t n = 0; n < good.size(); ++n)
      EXPECT_THROW(ModelFile::from_bytes(good.substr(0, n)), FormatError) << "truncated at " << n;
    EXPECT_THROW(ModelFile::from_bytes(good + "x"), FormatError);
  }
}

TEST(ModelFile, EveryFlippedByteIsAnError) {
  std::string good = serialize_model(random_weights(kSmall), Quant::kInt8);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = char(bad[i] ^ 0x5a);
    EXPECT_THROW(ModelFile::from_bytes(bad), FormatError) << "byte " << i;
  }
}

TEST(ModelFile, WrongMagicAndVersionSayWhat) {
  std::string good = serialize_model(random_weights(kSmall), Quant::kFp32);
  std::string bad = good;
  bad[0] = 'X';
  try {
    ModelFile::from_bytes(bad);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("not a dotwise model"), std::string::npos) << e.what();
  }
  bad = good;
  uint32_t v = 2;
  std::memcpy(bad.data() + 8, &v, 4);
  try {
    ModelFile::from_bytes(bad);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ModelFile::from_bytes("#!/bin/sh\necho hi\n"), FormatError);
  EXPECT_THROW(ModelFile::from_bytes(""), FormatError);
  EXPECT_THROW(ModelFile::open("/nonexistent/model.dwm"), FormatError);
  EXPECT_THROW(ModelFile::open("/tmp"), FormatError);
}

// A corrupted header with a valid checksum (as a hostile file would have) must still be caught by
// the structural checks, not read out of bounds: set each header and directory word to nasty values.
TEST(ModelFile, StructuralChecksHoldEvenWithAValidChecksum) {
  std::string good = serialize_model(random_weights(kSmall), Quant::kInt8);
  const uint64_t seed = 0x64776d31;
  auto reseal = [&](std::string s) {
    uint64_t sum = hash64(s.data(), s.size() - 8, seed);
    std::memcpy(s.data() + s.size() - 8, &sum, 8);
    return s;
  };
  ASSERT_NO_THROW(ModelFile::from_bytes(reseal(good)));
  const size_t dir_end = 80 + 32 * (1 + 3 * 2 + 3);
  size_t rejected = 0, total = 0;
  for (size_t at = 12; at + 4 <= dir_end; at += 4) {
    if (at >= 48 && at < 56) continue;  // the file size word: any change is a plain size mismatch
    for (uint32_t val : {0u, 1u, 3u, 0x7fffffffu, 0xffffffffu, 4096u}) {
      std::string bad = good;
      uint32_t old;
      std::memcpy(&old, bad.data() + at, 4);
      if (old == val) continue;
      std::memcpy(bad.data() + at, &val, 4);
      ++total;
      try {
        ModelFile f = ModelFile::from_bytes(reseal(bad));
        // Accepted: then it must at least be fully readable within the file.
        (void)f.to_weights();
      } catch (const FormatError&) {
        ++rejected;
      }
    }
  }
  // Nearly every change is structural; the few accepted ones are unused padding words.
  EXPECT_GT(rejected, total * 9 / 10);
}

// A header claiming far more tokens than its vocabulary section can hold is rejected before anything
// is reserved for them (the fuzzer found 2^25 tokens in a 633-byte file costing 100 MB and 150 ms).
TEST(ModelFile, AVocabularyClaimLargerThanItsSectionIsRejectedUpFront) {
  std::string bad = serialize_model(random_weights(kSmall), Quant::kInt8);
  const uint32_t huge = (1u << 25) + 11;
  std::memcpy(bad.data() + 20, &huge, 4);  // config: vocab_size
  uint64_t sum = hash64(bad.data(), bad.size() - 8, 0x64776d31);
  std::memcpy(bad.data() + bad.size() - 8, &sum, 8);
  try {
    ModelFile::from_bytes(bad);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("vocabulary section too small"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dw
