#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "runtime/Session.h"
#include "tests/runtime/Reference.h"

namespace dw {
namespace {

std::vector<int32_t> random_ids(std::mt19937_64& rng, size_t n, uint32_t rows) {
  std::uniform_int_distribution<int32_t> d(0, int32_t(rows) - 1);
  std::vector<int32_t> ids(n);
  for (auto& x : ids) x = d(rng);
  return ids;
}

std::vector<float> all_logits(Session& s, uint32_t rows) {
  std::vector<int32_t> ids(rows);
  for (uint32_t i = 0; i < rows; ++i) ids[i] = int32_t(i);
  std::vector<float> out(rows);
  s.score(ids, out);
  return out;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

// Odd sizes exercise every vector tail; the default size is what ships.
const ModelConfig kOdd{.vocab_size = 301, .max_oov = 7, .dx = 37, .dh = 29, .layers = 2};
const ModelConfig kDefault{.vocab_size = 2000, .max_oov = 20, .dx = 150, .dh = 100, .layers = 2};
const ModelConfig kThree{.vocab_size = 50, .max_oov = 3, .dx = 16, .dh = 24, .layers = 3};

class EveryKernel : public ::testing::TestWithParam<const Kernels*> {};

TEST_P(EveryKernel, Fp32MatchesScalarReferenceOnRandomContexts) {
  const Kernels& k = *GetParam();
  std::mt19937_64 rng(7);
  for (const auto& cfg : {kOdd, kDefault, kThree}) {
    ModelWeights w = random_weights(cfg, {.seed = cfg.dx});
    Model m(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)), k);
    for (size_t n : {1, 2, 7, 33, 70, 150}) {
      auto ids = random_ids(rng, n, cfg.rows());
      Session s(m);
      s.set_context(ids);
      double diff = max_abs_diff(all_logits(s, cfg.rows()), testing::reference_logits(w, ids));
      EXPECT_LT(diff, 1e-4) << k.name << " dx=" << cfg.dx << " n=" << n;
    }
  }
}

TEST_P(EveryKernel, MatmulAgreesWithScalarKernel) {
  const Kernels& k = *GetParam();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t R : {1, 3, 8, 13, 400})
    for (size_t C : {1, 5, 8, 16, 17, 100, 150})
      for (size_t T : {1, 2, 3, 5, 9}) {
        std::vector<float> W(R * C), X(T * C), Y(T * R, 0.5f), Yref = Y, scale(R);
        std::vector<int8_t> Q(R * C);
        for (auto& x : W) x = u(rng);
        for (auto& x : X) x = u(rng);
        for (auto& x : scale) x = u(rng);
        for (auto& q : Q) q = int8_t(int(u(rng) * 127));
        k.matmul_f32(W.data(), R, C, X.data(), T, Y.data());
        kernels::kScalar.matmul_f32(W.data(), R, C, X.data(), T, Yref.data());
        for (size_t i = 0; i < Y.size(); ++i) ASSERT_NEAR(Y[i], Yref[i], 1e-4) << R << "x" << C << " T=" << T;
        std::vector<float> Z(T * R, 0.0f), Zref = Z;
        k.matmul_i8(Q.data(), scale.data(), R, C, X.data(), T, Z.data());
        kernels::kScalar.matmul_i8(Q.data(), scale.data(), R, C, X.data(), T, Zref.data());
        for (size_t i = 0; i < Z.size(); ++i) ASSERT_NEAR(Z[i], Zref[i], 1e-3 * (1 + std::fabs(Zref[i])));
        EXPECT_NEAR(k.dot_f32(W.data(), X.data(), C), kernels::kScalar.dot_f32(W.data(), X.data(), C), 1e-4);
        EXPECT_NEAR(k.dot_i8(Q.data(), X.data(), C), kernels::kScalar.dot_i8(Q.data(), X.data(), C), 1e-2);
      }
}

TEST_P(EveryKernel, LstmCellMatchesLibm) {
  const Kernels& k = *GetParam();
  const size_t dh = 37;
  std::vector<float> g(4 * dh), c(dh), h(dh);
  for (size_t i = 0; i < g.size(); ++i) g[i] = -30.0f + 60.0f * float(i) / float(g.size());  // saturates too
  for (size_t j = 0; j < dh; ++j) c[j] = float(j) / 10.0f - 1.0f;
  std::vector<float> c2 = c, h2(dh);
  k.lstm_cell(g.data(), c.data(), h.data(), dh);
  kernels::kScalar.lstm_cell(g.data(), c2.data(), h2.data(), dh);
  for (size_t j = 0; j < dh; ++j) {
    EXPECT_NEAR(c[j], c2[j], 1e-6);
    EXPECT_NEAR(h[j], h2[j], 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, EveryKernel, ::testing::ValuesIn(available_kernels()),
                         [](const auto& p) { return std::string(p.param->name); });

TEST(Session, CachedAndUncachedAgreeThroughEdits) {
  ModelWeights w = random_weights(kOdd, {.seed = 11});
  Model m(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)));
  std::mt19937_64 rng(5);
  Session cached(m, {.checkpoint_every = 8});
  std::vector<int32_t> doc = random_ids(rng, 120, kOdd.rows());
  auto check = [&](const char* what) {
    cached.set_context(doc);
    Session fresh(m, {.checkpoint_every = 0});
    fresh.set_context(doc);
    auto a = all_logits(cached, kOdd.rows()), b = all_logits(fresh, kOdd.rows());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-5) << what << " id " << i;
  };
  check("first run");
  std::uniform_int_distribution<int32_t> id(0, int32_t(kOdd.rows()) - 1);
  for (int round = 0; round < 60; ++round) {
    std::uniform_int_distribution<size_t> pos(0, doc.size());
    size_t p = pos(rng);
    switch (round % 4) {
      case 0:
        doc.push_back(id(rng));
        break;  // typing at the end
      case 1:
        doc.insert(doc.begin() + ptrdiff_t(p), id(rng));
        break;  // insertion anywhere
      case 2:
        if (p < doc.size()) doc.erase(doc.begin() + ptrdiff_t(p));
        break;  // deletion
      case 3:
        doc.resize(std::min(doc.size(), p));
        break;  // cut back
    }
    check("edit");
  }
}

TEST(Session, RunsOnlyTokensAfterTheLastUnchangedCheckpoint) {
  ModelWeights w = random_weights(kOdd, {.seed = 2});
  Model m(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)));
  std::mt19937_64 rng(9);
  auto doc = random_ids(rng, 100, kOdd.rows());
  Session s(m, {.checkpoint_every = 8});
  EXPECT_EQ(s.set_context(doc), 100u);
  EXPECT_EQ(s.set_context(doc), 0u);
  doc.push_back(3);
  EXPECT_EQ(s.set_context(doc), 1u);
  doc[90] = doc[90] == 4 ? 5 : 4;  // change token 90: resume from the checkpoint after 88 tokens
  EXPECT_EQ(s.set_context(doc), 101u - 88u);
  doc.resize(50);  // cutting back re-runs from the checkpoint at 48
  EXPECT_EQ(s.set_context(doc), 2u);
}

TEST(Session, RejectsIdsOutsideTheModel) {
  ModelWeights w = random_weights(kThree);
  Model m(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)));
  Session s(m);
  std::vector<int32_t> bad{1, 2, int32_t(kThree.rows())};
  EXPECT_THROW(s.set_context(bad), std::invalid_argument);
  EXPECT_TRUE(s.tokens().empty());
  bad = {-1};
  EXPECT_THROW(s.set_context(bad), std::invalid_argument);
  std::vector<int32_t> cands{0, -1, int32_t(kThree.rows())};
  std::vector<float> out(3);
  s.score(cands, out);
  EXPECT_TRUE(std::isfinite(out[0]));
  EXPECT_EQ(out[1], -INFINITY);
  EXPECT_EQ(out[2], -INFINITY);
}

TEST(Session, ScoresListedMembersOrEveryId) {
  ModelWeights w = random_weights(kThree);
  std::vector<int32_t> members{5, 9, 2};
  Model listed(ModelFile::from_bytes(serialize_model(w, Quant::kFp32, members)));
  Model unlisted(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)));
  Session a(listed), b(unlisted);
  std::vector<int32_t> ctx{3, 4, 5};
  a.set_context(ctx);
  b.set_context(ctx);
  std::vector<float> sa, sb;
  a.score_members(sa);
  b.score_members(sb);
  ASSERT_EQ(sa.size(), 3u);
  ASSERT_EQ(sb.size(), kThree.rows());
  EXPECT_FLOAT_EQ(sa[0], sb[5]);
  EXPECT_FLOAT_EQ(sa[2], sb[2]);
}

}  // namespace
}  // namespace dw
