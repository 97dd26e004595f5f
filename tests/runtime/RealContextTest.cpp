// Real contexts: token ids from extracting real Python (the system's own standard library), encoded
// with a vocabulary built from them, run through ModelRanker as `dotwise eval` drives it, and checked
// against the scalar reference at every site. The weights are random (no trained model yet).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "rank/ModelRanker.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"
#include "tests/runtime/Reference.h"

namespace dw {
namespace {

std::vector<ExtractedFile> stdlib_files() {
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
  return files;
}

TEST(RealContexts, ModelRankerMatchesReferenceAtEverySite) {
  std::vector<ExtractedFile> files = stdlib_files();
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

// A model trained on another vocabulary (here: the tokens seen 3+ times) ranks data encoded with a
// larger one (every token): with its own vocabulary it must score each candidate name exactly as it
// does on data encoded for it, and give -inf to a name it cannot emit.
TEST(RealContexts, ModelRankerWithItsOwnVocabularyScoresByName) {
  std::vector<ExtractedFile> files = stdlib_files();
  if (files.empty()) GTEST_SKIP() << "no Python standard library sources on this machine";
  VocabCounter counter;
  for (const auto& f : files) counter.add(f);
  Vocab small = Vocab::build(counter.counts(), 3, 20), large = Vocab::build(counter.counts(), 1, 20);
  ASSERT_LT(small.size(), large.size());
  ModelConfig cfg{.vocab_size = small.size(), .max_oov = small.max_oov(), .dx = 16, .dh = 12, .layers = 2};
  ModelWeights w = random_weights(cfg, {.seed = 9, .embedding_scale = 1.0f, .bias_zipf = 0.2f});
  for (uint32_t i = 0; i < small.size(); ++i) w.vocab[i] = small.token(int32_t(i));
  Model model(ModelFile::from_bytes(serialize_model(w, Quant::kFp32, small.member_ids())));
  EXPECT_THROW(check_model_vocab(model.file(), large), std::runtime_error);

  ModelRanker same(model, "same"),
      foreign(model, "foreign", 0, std::make_shared<const Vocab>(model_vocab(model.file())));
  size_t checked = 0, unknown = 0;
  for (const auto& f : files) {
    EncodedFile enc_small = encode(small, f), enc_large = encode(large, f);
    same.begin_file(enc_small, f);
    foreign.begin_file(enc_large, f);
    for (size_t i = 0; i < f.sites.size() && i < 40; ++i) {
      const auto& site = f.sites[i];
      // The true member, a vocabulary token of both, and a name the small vocabulary lacks.
      std::string truth(f.member(site)), rare(large.token(int32_t(large.size() - 1)));
      std::vector<std::string> names{truth, std::string(small.token(2)), rare, "no_such_member_anywhere"};
      std::vector<Candidate> by_small, by_large;
      for (const auto& n : names) {
        auto id_in = [&](const Vocab& v, const EncodedFile& e) {
          int32_t id = v.id(n);
          for (size_t k = 0; id < 0 && k < e.oov.size(); ++k)
            if (e.oov[k] == n) id = int32_t(v.size() + k);
          return id;
        };
        by_small.push_back({n, id_in(small, enc_small)});
        by_large.push_back({n, id_in(large, enc_large)});
      }
      std::vector<float> want(names.size()), got(names.size());
      same.score(i, by_small, want);
      foreign.score(i, by_large, got);
      for (size_t k = 0; k < names.size(); ++k) {
        if (std::isinf(want[k])) {
          EXPECT_EQ(got[k], -INFINITY) << names[k];
          ++unknown;
        } else {
          EXPECT_FLOAT_EQ(got[k], want[k]) << names[k] << " at site " << i;
        }
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50u);
  EXPECT_GE(unknown, checked);  // at least the made-up name at every site
}

}  // namespace
}  // namespace dw
