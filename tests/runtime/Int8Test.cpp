// INT8 against FP32 on the same contexts. The bar the project set for INT8 (issue 18's ship gate) is
// top-5 *accuracy*: the INT8 file may lose at most 0.5 point of top-5 where FP32 is measured. That is
// asserted at real sites below on a trained model (DOTWISE_TEST_MODEL=path/to/fp32.dwm), and the
// ship gate (scripts/ship-gate.sh) checks it on the Debian test split.
// The share of contexts whose top-5 *set* is unchanged is reported too. Without a trained model the
// model is random_weights() of the default width: there per-row INT8 measured 96.5% (the paper's
// per-layer min/max 94%), and the test asserts 95% and that per-row is not worse than per-layer.
// With trained models the set changes more often, always among near-ties, and top-5 accuracy stays
// equal to three decimals: the shipped default (2 epochs of the Debian train split; 2026-12-07)
// rounded kept 93.5% of the sets over the member vocabulary / 96.0% over typed lists at the 4,648
// real sites below, GPTQ 93.8% / 97.5%; a control fine-tuned off the INT8 grid (2026-11-30) 95.1% /
// 97.3% rounded, 96.9% / 98.9% GPTQ. One part quantized alone (the rest FP32), rounded -> GPTQ:
// embedding 97.1 -> 98.0%, LSTM 96.5 -> 97.7%, projection 98.3 -> 98.7%. Random noise of INT8's
// size (uniform, half a step of each row's max|w| / 127) gave 95.6% / 98.2%, a quarter of it
// 99.0% / 99.6%: unchanged sets at 99% would take about 10-bit weights, for no change in accuracy,
// so the set share is held to a floor (90%) that catches a broken quantizer, not to 99%.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>

#include "corpus/Vocab.h"
#include "eval/Candidates.h"
#include "model/Calibration.h"
#include "model/ModelFile.h"
#include "model/Quantize.h"
#include "model/RandomWeights.h"
#include "rank/ModelRanker.h"
#include "runtime/Session.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"

namespace dw {
namespace {

std::vector<int32_t> top5(std::span<const int32_t> ids, const std::vector<float>& s) {
  std::vector<size_t> idx(s.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  std::vector<int32_t> out;
  for (size_t i = 0; i < 5; ++i) out.push_back(ids[idx[i]]);
  std::sort(out.begin(), out.end());
  return out;
}

struct Agreement {
  size_t same = 0, total = 0;
  std::set<std::vector<int32_t>> distinct;  // distinct reference top-5 sets: the contexts must matter
  double rate() const { return double(same) / double(total); }
  void add(std::vector<int32_t> ref, const std::vector<int32_t>& other) {
    same += ref == other;
    distinct.insert(std::move(ref));
    ++total;
  }
  // Both sessions after the same context, top 5 over the member vocabulary.
  void add_members(Session& s1, Session& s2, std::span<const int32_t> context) {
    std::vector<float> v1, v2;
    s1.set_context(context);
    s2.set_context(context);
    s1.score_members(v1);
    s2.score_members(v2);
    add(top5(s1.member_ids(), v1), top5(s2.member_ids(), v2));
  }
};

Agreement compare(const Model& ref, const Model& other, size_t contexts, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint32_t rows = ref.config().rows();
  std::uniform_int_distribution<size_t> len(1, 100);
  // Contexts drawn Zipf-like (frequent tokens dominate real code) from the vocabulary.
  std::uniform_real_distribution<double> u(0, 1);
  Agreement a;
  Session s1(ref), s2(other);
  for (size_t i = 0; i < contexts; ++i) {
    std::vector<int32_t> ids(len(rng));
    for (auto& x : ids) x = int32_t(std::min<double>(rows - 1, std::floor(std::pow(double(rows), u(rng))) - 1));
    a.add_members(s1, s2, ids);
  }
  return a;
}

TEST(Int8, KeepsTheTop5SetOnMostContexts) {
  ModelWeights w;
  const char* trained = std::getenv("DOTWISE_TEST_MODEL");
  if (const char* p = trained)
    w = ModelFile::open(p).to_weights();
  else
    w = random_weights({.vocab_size = 5000, .max_oov = 50, .dx = 150, .dh = 100, .layers = 2},
                       {.seed = 1, .embedding_scale = 1.0f, .bias_zipf = 0.2f});
  std::vector<int32_t> members;
  for (int32_t i = 2; i < int32_t(w.cfg.vocab_size); i += 3) members.push_back(i);  // a third of the ids
  Model fp32(ModelFile::from_bytes(serialize_model(w, Quant::kFp32, members)));
  Model int8(ModelFile::from_bytes(serialize_model(w, Quant::kInt8, members)));
  Agreement per_row = compare(fp32, int8, 400, 1);
  // The paper's scheme on the same contexts, for comparison (reported, not asserted).
  Model minmax(
      ModelFile::from_bytes(serialize_model(fake_quantize(w, QuantScheme::kPerLayerMinMax), Quant::kFp32, members)));
  Agreement per_layer = compare(fp32, minmax, 400, 1);
  std::printf(
      "top-5 set agreement with FP32: int8 per-row %.4f, int8 per-layer min/max %.4f (%zu contexts, %zu distinct)\n",
      per_row.rate(), per_layer.rate(), per_row.total, per_row.distinct.size());
  RecordProperty("int8_per_row_top5_agreement", std::to_string(per_row.rate()));
  RecordProperty("int8_per_layer_minmax_top5_agreement", std::to_string(per_layer.rate()));
  EXPECT_GE(per_row.rate(), trained ? 0.90 : 0.95);  // see the top of the file
  EXPECT_GE(per_row.rate(), per_layer.rate());
  EXPECT_GT(per_row.distinct.size(), per_row.total / 4);  // else it would only check the bias
}

// The same at real sites: the contexts before every member access in ten standard-library modules
// (the last 150 tokens, as the server runs them), encoded with the model's vocabulary, under both
// evaluation protocols: the top 5 of the whole member vocabulary, and of the typed list an editor
// shows (the class's public members from the stubs, at sites whose class is known and offers more
// than 5 members the model knows). Needs a trained FP32 model; the random-weight case is the test above.
TEST(Int8, KeepsTop5AccuracyAtRealSites) {
  const char* trained = std::getenv("DOTWISE_TEST_MODEL");
  if (!trained) GTEST_SKIP() << "set DOTWISE_TEST_MODEL to a trained FP32 model";
  const ModelFile file = ModelFile::open(trained);
  ModelWeights w = file.to_weights();
  Model fp32(ModelFile::from_bytes(serialize_model(w, Quant::kFp32, file.member_ids())));
  Model int8(ModelFile::from_bytes(serialize_model(w, Quant::kInt8, file.member_ids())));
  Vocab vocab = model_vocab(fp32.file());
  TypeshedIndex stubs(TypeshedIndex::default_roots());
  Extractor ex(stubs);
  const std::filesystem::path stdlib = "/usr/lib/python3.11";
  auto tokens = [&](const char* name) -> std::optional<ExtractResult> {
    auto rd = read_file(stdlib / name);
    if (!rd.error.empty()) return std::nullopt;
    auto r = ex.extract(rd.data);
    if (r.skip != Skip::None) return std::nullopt;
    return r;
  };
  // GPTQ calibrated on other modules than the ten measured below.
  std::vector<std::vector<int32_t>> streams;
  for (const char* name : {"csv.py", "configparser.py", "ftplib.py", "optparse.py", "inspect.py", "zipfile.py",
                           "difflib.py", "smtplib.py", "unittest/case.py", "asyncio/base_events.py"})
    if (auto r = tokens(name)) streams.push_back(encode(vocab, r->file).ids);
  const Calibration cal = calibrate(w, streams);
  const Int8Weights gptq_weights = quantize_model(w, &cal);
  Model gptq(ModelFile::from_bytes(serialize_model(w, Quant::kInt8, file.member_ids(), &gptq_weights)));

  CandidateLists lists(vocab, nullptr, [&stubs](std::string_view cls) { return stubs.members(cls); });
  Agreement wide, typed, wide_rtn, typed_rtn;
  // Sites whose true member is in the top 5, by model: FP32, INT8 GPTQ, INT8 rounded (the shipped kind).
  struct Hits {
    size_t fp32 = 0, gptq = 0, rounded = 0, total = 0;
    void add(int32_t truth, const std::vector<int32_t>& a, const std::vector<int32_t>& b,
             const std::vector<int32_t>& c) {
      auto in = [truth](const std::vector<int32_t>& s) { return std::find(s.begin(), s.end(), truth) != s.end(); };
      fp32 += in(a), gptq += in(b), rounded += in(c), ++total;
    }
    double loss(size_t n) const { return (double(fp32) - double(n)) / double(total); }
  } wide_hits, typed_hits;
  Session s1(fp32), s2(gptq), s3(int8);
  std::vector<float> v1, v2, v3;
  std::vector<int32_t> ids;
  for (const char* name : {"json/decoder.py", "textwrap.py", "shlex.py", "argparse.py", "logging/__init__.py",
                           "subprocess.py", "tarfile.py", "email/message.py", "http/client.py", "pathlib.py"}) {
    auto r = tokens(name);
    if (!r) continue;
    EncodedFile enc = encode(vocab, r->file);
    for (const auto& site : r->file.sites) {
      const size_t begin = site.pos > 150 ? site.pos - 150 : 0;
      const std::span<const int32_t> context(enc.ids.data() + begin, site.pos - begin);
      const int32_t truth = vocab.id(r->file.member(site));  // -1: a miss for every model
      std::vector<int32_t> t1, t2, t3;
      for (auto [s, t] : {std::pair{&s1, &t1}, {&s2, &t2}, {&s3, &t3}}) {
        s->set_context(context);
        s->score_members(v1);
        *t = top5(s->member_ids(), v1);
      }
      wide.add(t1, t2);
      wide_rtn.add(t1, t3);
      wide_hits.add(truth, t1, t2, t3);
      ids.clear();
      for (const Candidate& cand : lists.typed(r->file.str(site.cls)).cands)
        if (cand.id >= 0) ids.push_back(cand.id);
      if (ids.size() <= 5) continue;  // the same set whatever the scores
      v1.resize(ids.size());
      v2.resize(ids.size());
      v3.resize(ids.size());
      s1.score(ids, v1);
      s2.score(ids, v2);
      s3.score(ids, v3);
      typed.add(top5(ids, v1), top5(ids, v2));
      typed_rtn.add(top5(ids, v1), top5(ids, v3));
      typed_hits.add(truth, top5(ids, v1), top5(ids, v2), top5(ids, v3));
    }
  }
  if (wide.total == 0) GTEST_SKIP() << "no Python standard library sources on this machine";
  std::printf(
      "top-5 at %zu real sites (member vocabulary) / %zu (typed lists): accuracy FP32 %.4f / %.4f, INT8 GPTQ "
      "%.4f / %.4f, INT8 rounded %.4f / %.4f; set unchanged with FP32: GPTQ (calibrated on %llu tokens of other "
      "modules) %.4f / %.4f, rounded %.4f / %.4f\n",
      wide.total, typed.total, double(wide_hits.fp32) / double(wide_hits.total),
      double(typed_hits.fp32) / double(typed_hits.total), double(wide_hits.gptq) / double(wide_hits.total),
      double(typed_hits.gptq) / double(typed_hits.total), double(wide_hits.rounded) / double(wide_hits.total),
      double(typed_hits.rounded) / double(typed_hits.total), static_cast<unsigned long long>(cal.tokens), wide.rate(),
      typed.rate(), wide_rtn.rate(), typed_rtn.rate());
  RecordProperty("int8_real_sites_top5_agreement", std::to_string(wide.rate()));
  RecordProperty("int8_typed_sites_top5_agreement", std::to_string(typed.rate()));
  RecordProperty("int8_rounded_real_sites_top5_agreement", std::to_string(wide_rtn.rate()));
  // The bar: at most 0.5 point of top-5 lost, for the shipped kind (rounded) and for GPTQ.
  EXPECT_LE(wide_hits.loss(wide_hits.rounded), 0.005);
  EXPECT_LE(typed_hits.loss(typed_hits.rounded), 0.005);
  EXPECT_LE(wide_hits.loss(wide_hits.gptq), 0.005);
  EXPECT_LE(typed_hits.loss(typed_hits.gptq), 0.005);
  EXPECT_GT(wide_hits.fp32, wide_hits.total / 10);  // a trained model: else accuracy says nothing
  // A broken quantizer changes most sets; near-ties change a few.
  EXPECT_GE(wide_rtn.rate(), 0.90);
  EXPECT_GE(typed_rtn.rate(), 0.90);
  EXPECT_GE(wide.same, wide_rtn.same);  // calibration must not make it worse
  EXPECT_GT(typed.distinct.size(), 10u);
}

}  // namespace
}  // namespace dw
