// Real contexts: token ids from extracting real Python (the system's own standard library), encoded
// with a vocabulary built from them, run through ModelRanker as `dotwise eval` drives it, and checked
// against the scalar reference at every site. The weights are random (no trained model yet).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "rank/ModelRanker.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"
#include "tests/runtime/Reference.h"

namespace dw {
namespace {

TEST(RealContexts, ModelRankerMatchesReferenceAtEverySite) {
  std::vector<ExtractedFile> files;
  TypeshedIndex stubs(TypeshedIndex::default_roots());
  Extractor ex(stubs);
  for (const char* name : {"json/decoder.py", "textwrap.py", "shlex.py"}) {
    for (const char* dir : {"/usr/lib/python3.11/", "/usr/lib/python3/"}) {
      auto rd = read_file(std::filesystem::path(dir) / name);
      if (!rd.error.empty()) continue;
      auto r = ex.extract(rd.data);
      if (r.skip == Skip::None) files.push_back(std::move(r.file));
      break;
    }
  }
  if (files.empty()) GTEST_SKIP() << "no Python standard library sources on this machine";
  VocabCounter counter;
  for (const auto& f : files) counter.add(f);
  Vocab vocab = Vocab::build(counter.counts(), 3, 20);

  ModelConfig cfg{.vocab_size = vocab.size(), .max_oov = vocab.max_oov(), .dx = 24, .dh = 20, .layers = 2};
  ModelWeights w = random_weights(cfg, {.seed = 4, .embedding_scale = 1.0f, .bias_zipf = 0.2f});
  for (uint32_t i = 0; i < vocab.size(); ++i) w.vocab[i] = vocab.token(int32_t(i));
  Model model(ModelFile::from_bytes(serialize_model(w, Quant::kFp32, vocab.member_ids())));
  ASSERT_NO_THROW(check_model_vocab(model.file(), vocab));

  size_t checked = 0;
  for (size_t lookback : {size_t(0), size_t(50)}) {
    ModelRanker ranker(model, "lstm", lookback);
    for (const auto& f : files) {
      EncodedFile enc = encode(vocab, f);
      ranker.begin_file(enc, f);
      for (size_t i = 0; i < f.sites.size() && i < 40; ++i) {
        const auto& site = f.sites[i];
        std::vector<Candidate> cands{{"a", enc.ids[site.pos]}, {"b", 2}, {"c", int32_t(vocab.size())}, {"d", -1}};
        std::vector<float> out(cands.size());
        ranker.score(i, cands, out);
        size_t begin = lookback && site.pos > lookback ? site.pos - lookback : 0;
        auto ref = testing::reference_logits(w, std::span<const int32_t>(enc.ids).subspan(begin, site.pos - begin));
        for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(out[k], ref[size_t(cands[k].id)], 1e-4) << "site " << i;
        EXPECT_EQ(out[3], -INFINITY);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 50u);

  ModelWeights other = w;
  std::swap(other.vocab[2], other.vocab[3]);
  ModelFile mismatched = ModelFile::from_bytes(serialize_model(other, Quant::kFp32));
  EXPECT_THROW(check_model_vocab(mismatched, vocab), std::runtime_error);
}

}  // namespace
}  // namespace dw
