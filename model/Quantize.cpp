#include "model/Quantize.h"

#include <algorithm>
#include <cmath>

namespace dw {

QuantizedRows quantize_rows(std::span<const float> w, size_t rows, size_t cols) {
  QuantizedRows out;
  out.q.resize(rows * cols);
  out.scale.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = w.data() + r * cols;
    float amax = 0;
    for (size_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(row[c]));
    // An all-zero row keeps scale 0 and q 0; the runtime then reads exact zeros.
    float scale = amax / 127.0f;
    float inv = scale > 0 ? 1.0f / scale : 0.0f;
    out.scale[r] = scale;
    for (size_t c = 0; c < cols; ++c) out.q[r * cols + c] = int8_t(std::clamp(std::lround(row[c] * inv), -127L, 127L));
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
