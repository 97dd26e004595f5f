#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/ModelFile.h"
#include "model/Quantize.h"
#include "model/RandomWeights.h"
#include "runtime/Packed.h"
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

// The most an activation row quantized by k's INT8 kernels can be off per value, relative to the
// row's largest |value| (Kernels.h: int_activations, activation_qmax).
double activation_error(const Kernels& k, size_t K) {
  return k.int_activations ? 1.0 / (2.0 * activation_qmax(K)) : 0.0;
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

TEST_P(EveryKernel, GemmMatchesPlainLoops) {
  const Kernels& k = *GetParam();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t G : {k.lanes, 2 * k.lanes, 3 * k.lanes, 13 * k.lanes})
    for (size_t K : {1, 5, 8, 17, 100, 150})
      for (size_t T : {1, 2, 3, 5, 6, 7, 13}) {
        const size_t xs = K + 3;  // a row stride wider than K, as for padded layer outputs
        std::vector<float> W(K * G), X(T * xs), bias(G), scale(G), Y(T * G), Z(T * G);
        std::vector<int8_t> q(K * G), Q(round_up(K, 2) * G);  // q[k * G + o]; Q packed (Kernels.h)
        for (auto& x : W) x = u(rng);
        for (auto& x : X) x = u(rng);
        for (auto& x : bias) x = u(rng);
        for (auto& x : scale) x = u(rng);
        for (size_t c = 0; c < K; ++c)
          for (size_t o = 0; o < G; ++o) {
            q[c * G + o] = int8_t(int(u(rng) * 127));
            Q[i8_offset(c, o, K, G)] = q[c * G + o];
          }
        k.gemm_f32(W.data(), K, G, bias.data(), X.data(), xs, T, Y.data());
        k.gemm_i8(Q.data(), scale.data(), K, G, bias.data(), X.data(), xs, T, Z.data());
        for (size_t t = 0; t < T; ++t)
          for (size_t o = 0; o < G; ++o) {
            double y = bias[o], z = 0, qsum = 0, xmax = 0;
            for (size_t c = 0; c < K; ++c) {
              const double w8 = q[c * G + o], x = X[t * xs + c];
              y += double(W[c * G + o]) * x;
              z += w8 * x;
              qsum += std::fabs(w8);
              xmax = std::max(xmax, std::fabs(x));
            }
            z = bias[o] + scale[o] * z;
            // The documented activation error (Kernels.h): each x off by at most max|x| / (2 qmax).
            const double act = std::fabs(scale[o]) * qsum * xmax * activation_error(k, K);
            ASSERT_NEAR(Y[t * G + o], y, 1e-4) << k.name << " G=" << G << " K=" << K << " T=" << T;
            ASSERT_NEAR(Z[t * G + o], z, 1e-4 * (1 + std::fabs(z)) + act) << k.name << " G=" << G << " K=" << K;
          }
      }
  std::vector<float> a(37), b(37);
  std::vector<int8_t> q(37);
  for (size_t n = 0; n <= a.size(); ++n) {
    double d = 0, dq = 0;
    for (size_t i = 0; i < n; ++i) {
      a[i] = u(rng), b[i] = u(rng), q[i] = int8_t(int(u(rng) * 127));
      d += double(a[i]) * b[i];
      dq += double(q[i]) * b[i];
    }
    EXPECT_NEAR(k.dot_f32(a.data(), b.data(), n), d, 1e-4) << n;
    EXPECT_NEAR(k.dot_i8(q.data(), b.data(), n), dq, 1e-2) << n;
  }
  // Many rows at once, the last rows of the matrix included (no read past its end: ASan).
  for (size_t n : {1, 7, 16, 31, 150, 200}) {
    const size_t total = 9;
    std::vector<int8_t> Q(total * n);
    std::vector<float> x(n);
    for (auto& v : Q) v = int8_t(int(u(rng) * 127));
    for (auto& v : x) v = u(rng);
    const std::vector<int32_t> rows = {8, 0, 3, 8, 7};
    std::vector<float> out(rows.size());
    k.dots_i8(Q.data(), n, total, rows.data(), rows.size(), x.data(), out.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      double d = 0, qsum = 0, xmax = 0;
      for (size_t c = 0; c < n; ++c) {
        d += double(Q[size_t(rows[i]) * n + c]) * x[c];
        qsum += std::fabs(double(Q[size_t(rows[i]) * n + c]));
        xmax = std::max(xmax, double(std::fabs(x[c])));
      }
      EXPECT_NEAR(out[i], d, 1e-3 + qsum * xmax * activation_error(k, n)) << k.name << " n=" << n << " row " << rows[i];
    }
  }
}

// One step through the packing and the fused gates + cell, against the definition in double.
TEST_P(EveryKernel, LstmStepMatchesLibm) {
  const Kernels& k = *GetParam();
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t dh : {1, 7, 29, 37, 100})
    for (size_t K : {3, 37, 150}) {
      const size_t hp = round_up(dh, k.lanes);
      std::vector<float> W(4 * dh * K), gx_rows(4 * dh), h(K), c(dh);
      for (auto& x : W) x = u(rng);
      for (auto& x : h) x = u(rng);
      for (size_t r = 0; r < gx_rows.size(); ++r) gx_rows[r] = 40.0f * u(rng);  // saturates too
      for (size_t j = 0; j < dh; ++j) c[j] = 3.0f * u(rng);
      TensorView tv{.rows = uint32_t(4 * dh), .cols = uint32_t(K), .f32 = W.data()};
      PackedMatrix p = pack_gates(tv, dh, k.lanes, GateLayout::kGroupMajor);
      auto q = quantize_rows(W, 4 * dh, K);
      TensorView tq{.rows = uint32_t(4 * dh), .cols = uint32_t(K), .i8 = q.q.data(), .scale = q.scale.data()};
      PackedMatrix pq = pack_gates(tq, dh, k.lanes, GateLayout::kGroupMajor);
      auto gx = pack_gate_vector(gx_rows.data(), dh, k.lanes);
      auto expect = [&](const std::vector<float>& w, std::vector<double>& ce, std::vector<double>& he) {
        auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
        std::vector<double> g(4 * dh);
        for (size_t r = 0; r < 4 * dh; ++r) {
          g[r] = gx_rows[r];
          for (size_t i = 0; i < K; ++i) g[r] += double(w[r * K + i]) * h[i];
        }
        ce.resize(dh);
        he.resize(dh);
        for (size_t j = 0; j < dh; ++j) {
          ce[j] = sig(g[dh + j]) * c[j] + sig(g[j]) * std::tanh(g[2 * dh + j]);
          he[j] = sig(g[3 * dh + j]) * std::tanh(ce[j]);
        }
      };
      std::vector<double> gate_error(4 * dh);
      double hmax = 0;
      for (float x : h) hmax = std::max(hmax, double(std::fabs(x)));
      for (size_t r = 0; r < 4 * dh; ++r) {
        double qsum = 0;
        for (size_t i = 0; i < K; ++i) qsum += std::abs(int(q.q[r * K + i]));
        gate_error[r] = std::fabs(q.scale[r]) * qsum * hmax * activation_error(k, K);
      }
      std::vector<double> ce, he, cq, hq;
      expect(W, ce, he);
      expect(dequantize_rows(q, K), cq, hq);
      std::vector<float> cs(hp, 0.0f), cs8(hp, 0.0f), hs(hp, -9.0f), hs8(hp, -9.0f);
      std::copy(c.begin(), c.end(), cs.begin());
      std::copy(c.begin(), c.end(), cs8.begin());
      k.lstm_step_f32(p.f32.data(), K, hp, gx.data(), h.data(), cs.data(), hs.data());
      k.lstm_step_i8(pq.w8.data(), pq.scale.data(), K, hp, gx.data(), h.data(), cs8.data(), hs8.data());
      for (size_t j = 0; j < hp; ++j) {
        if (j >= dh) {  // padding units keep a zero state
          EXPECT_EQ(cs[j], 0.0f);
          EXPECT_EQ(hs[j], 0.0f);
          EXPECT_EQ(hs8[j], 0.0f);
          continue;
        }
        ASSERT_NEAR(cs[j], ce[j], 1e-5) << k.name << " dh=" << dh << " K=" << K << " j=" << j;
        ASSERT_NEAR(hs[j], he[j], 1e-5) << k.name << " dh=" << dh << " K=" << K << " j=" << j;
        // INT8 kernels also quantize h_in: each gate is off by at most e = scale * sum|q| * max|h| *
        // activation_error, which moves c by at most |c| e_f / 4 + e_i / 4 + e_g (sigmoid' <= 1/4,
        // tanh' <= 1) and h by e_o / 4 more.
        auto e = [&](size_t gate) { return gate_error[gate * dh + j]; };
        const double dc = std::fabs(c[j]) * e(1) / 4 + e(0) / 4 + e(2), dhq = dc + e(3) / 4;
        ASSERT_NEAR(cs8[j], cq[j], 2e-3 + dc) << k.name << " dh=" << dh << " K=" << K << " j=" << j;
        ASSERT_NEAR(hs8[j], hq[j], 2e-3 + dhq) << k.name << " dh=" << dh << " K=" << K << " j=" << j;
      }
    }
}

// A VNNI table differs from its plain twin only in how it adds the int16 products (one instruction
// instead of two); the integer sums are exact either way, so their INT8 outputs must be the same bits.
TEST(Kernels, Int8TablesOfOneWidthGiveTheSameBits) {
  std::vector<std::pair<const Kernels*, const Kernels*>> twins;
  const auto all = available_kernels();
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = i + 1; j < all.size(); ++j)
      if (all[i]->int_activations && all[j]->int_activations && all[i]->lanes == all[j]->lanes)
        twins.emplace_back(all[i], all[j]);
  if (twins.empty()) GTEST_SKIP() << "this CPU has no VNNI table beside a plain one";
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto [a, b] : twins)
    for (size_t K : {3, 100, 151})
      for (size_t T : {1, 5, 64}) {
        const size_t G = 7 * 4 * a->lanes, Hp = G / 4;
        std::vector<int8_t> Q(round_up(K, 2) * G);
        std::vector<float> scale(G), bias(G), X(T * K), Ya(T * G), Yb(T * G);
        for (auto& q : Q) q = int8_t(int(u(rng) * 127));
        for (auto& x : scale) x = 0.01f * u(rng);
        for (auto& x : bias) x = u(rng);
        for (auto& x : X) x = u(rng);
        a->gemm_i8(Q.data(), scale.data(), K, G, bias.data(), X.data(), K, T, Ya.data());
        b->gemm_i8(Q.data(), scale.data(), K, G, bias.data(), X.data(), K, T, Yb.data());
        EXPECT_EQ(Ya, Yb) << a->name << " vs " << b->name << " gemm K=" << K << " T=" << T;
        std::vector<float> ca(Hp, 0.5f), cb(Hp, 0.5f), ha(Hp), hb(Hp);
        a->lstm_step_i8(Q.data(), scale.data(), K, Hp, bias.data(), X.data(), ca.data(), ha.data());
        b->lstm_step_i8(Q.data(), scale.data(), K, Hp, bias.data(), X.data(), cb.data(), hb.data());
        EXPECT_EQ(ca, cb) << a->name << " vs " << b->name << " step K=" << K;
        EXPECT_EQ(ha, hb) << a->name << " vs " << b->name << " step K=" << K;
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
