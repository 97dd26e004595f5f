#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/Quantize.h"

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

}  // namespace
}  // namespace dw
