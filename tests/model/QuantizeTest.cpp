#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/Calibration.h"
#include "model/Quantize.h"
#include "model/RandomWeights.h"

namespace dw {
namespace {

TEST(Quantize, PerRowErrorIsAtMostHalfAStepOfThatRow) {
  std::mt19937_64 rng(1);
  const size_t rows = 50, cols = 33;
  std::vector<float> w(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    std::normal_distribution<float> d(0, 0.01f * float(r + 1));  // rows of very different ranges
    for (size_t c = 0; c < cols; ++c) w[r * cols + c] = d(rng);
  }
  auto q = quantize_rows(w, rows, cols);
  auto back = dequantize_rows(q, cols);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      EXPECT_LE(std::fabs(back[r * cols + c] - w[r * cols + c]), q.scale[r] / 2 + 1e-7f);
}

TEST(Quantize, ZeroRowsAndExtremesStayExact) {
  std::vector<float> w{0, 0, 0, 1.5f, -1.5f, 0.75f};
  auto q = quantize_rows(w, 2, 3);
  EXPECT_EQ(q.scale[0], 0.0f);
  auto back = dequantize_rows(q, 3);
  EXPECT_EQ(back[0], 0.0f);
  EXPECT_FLOAT_EQ(back[3], 1.5f);
  EXPECT_FLOAT_EQ(back[4], -1.5f);
  EXPECT_EQ(q.q[3], 127);
  EXPECT_EQ(q.q[4], -127);
}

TEST(Quantize, PerRowBeatsPerLayerMinMaxWhenRowsDiffer) {
  std::mt19937_64 rng(2);
  const size_t rows = 64, cols = 64;
  std::vector<float> w(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    std::normal_distribution<float> d(0, r == 0 ? 5.0f : 0.05f);  // one outlier row
    for (size_t c = 0; c < cols; ++c) w[r * cols + c] = d(rng);
  }
  auto per_row = dequantize_rows(quantize_rows(w, rows, cols), cols);
  auto per_layer = fake_quantize_minmax(w);
  double e_row = 0, e_layer = 0;
  for (size_t i = cols; i < w.size(); ++i) {  // error on the ordinary rows
    e_row += std::pow(per_row[i] - w[i], 2);
    e_layer += std::pow(per_layer[i] - w[i], 2);
  }
  EXPECT_LT(e_row * 10, e_layer);
  // Min/max keeps zero exact and the range ends within one step.
  std::vector<float> z{0.0f, 1.0f, 3.0f};
  auto zq = fake_quantize_minmax(z);
  EXPECT_EQ(zq[0], 0.0f);
  EXPECT_NEAR(zq[2], 3.0f, 3.0f / 255);
}

// Correlated inputs x = A z (as hidden states and embeddings are): GPTQ's moments come from one
// sample, its output error is measured on another.
struct Correlated {
  size_t dim;
  std::vector<float> A;
  std::mt19937_64 rng;
  Correlated(size_t n, uint64_t seed) : dim(n), A(n * n), rng(seed) {
    std::normal_distribution<float> d(0, 1);
    for (auto& a : A) a = d(rng) / std::sqrt(float(n));
    for (size_t i = 0; i < n; ++i) A[i * n + i] += 1.0f;
  }
  std::vector<float> draw() {
    std::normal_distribution<float> d(0, 1);
    std::vector<float> z(dim), x(dim, 0.0f);
    for (auto& v : z) v = d(rng);
    for (size_t i = 0; i < dim; ++i)
      for (size_t k = 0; k < dim; ++k) x[i] += A[i * dim + k] * z[k];
    return x;
  }
};

double output_error(const std::vector<float>& w, const std::vector<float>& q, size_t cols,
                    const std::vector<std::vector<float>>& xs) {
  double e = 0;
  for (const auto& x : xs)
    for (size_t r = 0; r < w.size() / cols; ++r) {
      double d = 0;
      for (size_t c = 0; c < cols; ++c) d += (double(w[r * cols + c]) - q[r * cols + c]) * x[c];
      e += d * d;
    }
  return e;
}

TEST(Quantize, GptqLowersTheOutputErrorOnUnseenInputsAndKeepsTheGrid) {
  const size_t rows = 40, cols = 48;
  std::mt19937_64 rng(3);
  std::normal_distribution<float> d(0, 0.1f);
  std::vector<float> w(rows * cols);
  for (auto& v : w) v = d(rng);
  Correlated src(cols, 4);
  InputMoments m(cols);
  for (int i = 0; i < 4000; ++i) m.add(src.draw().data());
  std::vector<std::vector<float>> held_out;
  for (int i = 0; i < 2000; ++i) held_out.push_back(src.draw());

  const QuantizedRows rtn = quantize_rows(w, rows, cols);
  const QuantizedRows gptq = quantize_rows_gptq(w, rows, cols, m);
  EXPECT_EQ(gptq.scale, rtn.scale);  // the same grid: only the rounding differs
  EXPECT_NE(gptq.q, rtn.q);
  const double e_rtn = output_error(w, dequantize_rows(rtn, cols), cols, held_out);
  const double e_gptq = output_error(w, dequantize_rows(gptq, cols), cols, held_out);
  std::printf("output error on held-out inputs: rounding %.4g, GPTQ %.4g\n", e_rtn, e_gptq);
  EXPECT_LT(e_gptq, 0.8 * e_rtn);
  // Each weight stays within a few steps of its value, however the errors were pushed along.
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_LE(std::fabs(gptq.scale[i / cols] * gptq.q[i] - w[i]), 4 * gptq.scale[i / cols]);
}

TEST(Quantize, GptqWithoutUsableMomentsIsPlainRounding) {
  std::vector<float> w{0.5f, -0.25f, 0.1f, 0.0f, 0.0f, 0.0f};
  const QuantizedRows rtn = quantize_rows(w, 2, 3);
  EXPECT_EQ(quantize_rows_gptq(w, 2, 3, InputMoments(3)).q, rtn.q);  // no samples
  EXPECT_EQ(quantize_rows_gptq(w, 2, 3, InputMoments(2)).q, rtn.q);  // the wrong width
  InputMoments bad(3);
  const float nan[3] = {NAN, 1, 2};
  bad.add(nan);
  EXPECT_EQ(quantize_rows_gptq(w, 2, 3, bad).q, rtn.q);
}

TEST(Calibration, MomentsAreThoseOfTheModelsOwnInputs) {
  const ModelWeights w = random_weights({.vocab_size = 50, .max_oov = 2, .dx = 6, .dh = 5, .layers = 2}, {.seed = 5});
  const std::vector<std::vector<int32_t>> streams{{3, 7, 7, 1, 40, 2}, {9, 60, 4}};  // 60: outside, skipped
  const Calibration cal = calibrate(w, streams, /*window=*/4);
  EXPECT_EQ(cal.tokens, 8u);
  ASSERT_EQ(cal.w_ih.size(), 2u);
  for (const InputMoments* m : {&cal.w_ih[0], &cal.w_ih[1], &cal.w_hh[0], &cal.w_hh[1], &cal.proj, &cal.embedding})
    EXPECT_EQ(m->count, 8u);
  // Layer 0's input is the token's embedding row: its moments are the sum of e e^T.
  std::vector<double> want(36, 0.0);
  for (const auto& s : streams)
    for (int32_t id : s)
      if (id < 52)
        for (size_t i = 0; i < 6; ++i)
          for (size_t j = 0; j < 6; ++j) want[i * 6 + j] += double(w.embedding[id * 6 + i]) * w.embedding[id * 6 + j];
  for (size_t i = 0; i < 36; ++i) EXPECT_NEAR(cal.w_ih[0].xx[i], want[i], 1e-9);
  // The recurrent input starts each window at zero: the first token of each window adds nothing,
  // so its moments differ from a run without windows.
  const Calibration whole = calibrate(w, streams, 0);
  EXPECT_NE(cal.w_hh[0].xx, whole.w_hh[0].xx);
  for (size_t i = 0; i < 5; ++i)
    for (size_t j = 0; j < 5; ++j) EXPECT_DOUBLE_EQ(cal.proj.xx[i * 5 + j], cal.proj.xx[j * 5 + i]);
}

}  // namespace
}  // namespace dw
