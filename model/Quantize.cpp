#include "model/Quantize.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace dw {

namespace {
// The grid of one row, whichever way it is rounded: max|w| maps to 127. An all-zero row keeps scale 0
// and q 0; the runtime then reads exact zeros.
float row_scale(const float* row, size_t cols) {
  float amax = 0;
  for (size_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(row[c]));
  return amax / 127.0f;
}
}  // namespace

QuantizedRows quantize_rows(std::span<const float> w, size_t rows, size_t cols) {
  QuantizedRows out;
  out.q.resize(rows * cols);
  out.scale.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = w.data() + r * cols;
    float scale = row_scale(row, cols);
    float inv = scale > 0 ? 1.0f / scale : 0.0f;
    out.scale[r] = scale;
    for (size_t c = 0; c < cols; ++c) out.q[r * cols + c] = int8_t(std::clamp(std::lround(row[c] * inv), -127L, 127L));
  }
  return out;
}

namespace {

// Lower Cholesky factor of the symmetric n x n matrix A, or nothing if A is not positive definite.
std::optional<std::vector<double>> cholesky(const std::vector<double>& A, size_t n) {
  std::vector<double> L(n * n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    double d = A[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0) || !std::isfinite(d)) return std::nullopt;
    L[j * n + j] = std::sqrt(d);
    for (size_t i = j + 1; i < n; ++i) {
      double t = A[i * n + j];
      for (size_t k = 0; k < j; ++k) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / L[j * n + j];
    }
  }
  return L;
}

// The upper Cholesky factor U of H^-1 (H^-1 = U^T U), the form GPTQ's updates read row by row.
std::optional<std::vector<double>> inverse_cholesky_upper(const std::vector<double>& H, size_t n) {
  auto L = cholesky(H, n);
  if (!L) return std::nullopt;
  std::vector<double> inv(n * n), y(n), x(n);
  for (size_t col = 0; col < n; ++col) {  // solve L L^T x = e_col
    for (size_t i = 0; i < n; ++i) {
      double t = i == col ? 1.0 : 0.0;
      for (size_t k = 0; k < i; ++k) t -= (*L)[i * n + k] * y[k];
      y[i] = t / (*L)[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
      double t = y[i];
      for (size_t k = i + 1; k < n; ++k) t -= (*L)[k * n + i] * x[k];
      x[i] = t / (*L)[i * n + i];
    }
    for (size_t i = 0; i < n; ++i) inv[i * n + col] = x[i];
  }
  auto Li = cholesky(inv, n);  // H^-1 = Li Li^T, so U = Li^T
  if (!Li) return std::nullopt;
  std::vector<double> U(n * n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) U[i * n + j] = (*Li)[j * n + i];
  return U;
}

}  // namespace

QuantizedRows quantize_rows_gptq(std::span<const float> w, size_t rows, size_t cols, const InputMoments& m,
                                 double damp) {
  if (m.dim != cols || m.count == 0) return quantize_rows(w, rows, cols);
  std::vector<double> H(cols * cols);
  double mean = 0;
  for (size_t i = 0; i < cols * cols; ++i) H[i] = m.xx[i] / double(m.count);
  for (size_t i = 0; i < cols; ++i) mean += H[i * cols + i];
  mean /= double(cols);
  if (!(mean > 0)) return quantize_rows(w, rows, cols);
  for (size_t i = 0; i < cols; ++i) H[i * cols + i] += damp * mean;
  auto U = inverse_cholesky_upper(H, cols);
  if (!U) return quantize_rows(w, rows, cols);

  QuantizedRows out;
  out.q.resize(rows * cols);
  out.scale.resize(rows);
  std::vector<double> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    const float scale = row_scale(w.data() + r * cols, cols);
    out.scale[r] = scale;
    if (!(scale > 0)) continue;  // q stays 0, as in quantize_rows
    std::copy_n(w.begin() + ptrdiff_t(r * cols), cols, row.begin());
    for (size_t j = 0; j < cols; ++j) {
      const double q = std::clamp(std::round(row[j] / scale), -127.0, 127.0);
      out.q[r * cols + j] = int8_t(q);
      const double err = (row[j] - q * scale) / (*U)[j * cols + j];
      for (size_t k = j + 1; k < cols; ++k) row[k] -= err * (*U)[j * cols + k];
    }
  }
  return out;
}

Int8Weights quantize_model(const ModelWeights& w, const Calibration* cal) {
  auto q = [](const std::vector<float>& m, size_t cols, const InputMoments* mom) {
    return mom ? quantize_rows_gptq(m, m.size() / cols, cols, *mom) : quantize_rows(m, m.size() / cols, cols);
  };
  const auto& c = w.cfg;
  Int8Weights out;
  out.embedding = q(w.embedding, c.dx, cal ? &cal->embedding : nullptr);
  out.proj_w = q(w.proj_w, c.dh, cal ? &cal->proj : nullptr);
  for (size_t l = 0; l < w.lstm.size(); ++l) {
    const bool have = cal && l < cal->w_ih.size() && l < cal->w_hh.size();
    out.w_ih.push_back(q(w.lstm[l].w_ih, l ? c.dh : c.dx, have ? &cal->w_ih[l] : nullptr));
    out.w_hh.push_back(q(w.lstm[l].w_hh, c.dh, have ? &cal->w_hh[l] : nullptr));
  }
  return out;
}

ModelWeights dequantize_model(const ModelWeights& w, const Int8Weights& q) {
  ModelWeights out = w;
  out.embedding = dequantize_rows(q.embedding, w.cfg.dx);
  out.proj_w = dequantize_rows(q.proj_w, w.cfg.dh);
  for (size_t l = 0; l < w.lstm.size(); ++l) {
    out.lstm[l].w_ih = dequantize_rows(q.w_ih[l], l ? w.cfg.dh : w.cfg.dx);
    out.lstm[l].w_hh = dequantize_rows(q.w_hh[l], w.cfg.dh);
  }
  return out;
}

std::vector<float> dequantize_rows(const QuantizedRows& q, size_t cols) {
  std::vector<float> w(q.q.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = q.scale[i / cols] * float(q.q[i]);
  return w;
}

std::vector<float> fake_quantize_minmax(std::span<const float> w) {
  if (w.empty()) return {};
  auto [lo_it, hi_it] = std::minmax_element(w.begin(), w.end());
  // The range must contain 0 so that zero stays exactly representable (as in ONNX/TFLite).
  float lo = std::min(*lo_it, 0.0f), hi = std::max(*hi_it, 0.0f);
  float scale = (hi - lo) / 255.0f;
  std::vector<float> out(w.size());
  if (scale == 0) return out;
  float zero = std::round(-lo / scale);
  for (size_t i = 0; i < w.size(); ++i) {
    float q = std::clamp(std::round(w[i] / scale) + zero, 0.0f, 255.0f);
    out[i] = (q - zero) * scale;
  }
  return out;
}

namespace {
std::vector<float> fake(const std::vector<float>& w, size_t cols, QuantScheme s) {
  if (s == QuantScheme::kPerLayerMinMax) return fake_quantize_minmax(w);
  return dequantize_rows(quantize_rows(w, w.size() / cols, cols), cols);
}
}  // namespace

ModelWeights fake_quantize(const ModelWeights& w, QuantScheme s) {
  ModelWeights out = w;
  out.embedding = fake(w.embedding, w.cfg.dx, s);
  for (size_t l = 0; l < w.lstm.size(); ++l) {
    out.lstm[l].w_ih = fake(w.lstm[l].w_ih, l == 0 ? w.cfg.dx : w.cfg.dh, s);
    out.lstm[l].w_hh = fake(w.lstm[l].w_hh, w.cfg.dh, s);
  }
  out.proj_w = fake(w.proj_w, w.cfg.dh, s);
  return out;
}

}  // namespace dw
