#include "model/Calibration.h"

#include <algorithm>
#include <cmath>

namespace dw {

void InputMoments::add(const float* x) {
  for (size_t i = 0; i < dim; ++i) {
    const double xi = x[i];
    double* row = xx.data() + i * dim;
    for (size_t j = 0; j <= i; ++j) row[j] += xi * double(x[j]);  // lower half; mirrored on use
  }
  ++count;
}

namespace {

// Fills the upper half from the lower one.
void mirror(InputMoments& m) {
  for (size_t i = 0; i < m.dim; ++i)
    for (size_t j = i + 1; j < m.dim; ++j) m.xx[i * m.dim + j] = m.xx[j * m.dim + i];
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// A row-major [rows x cols] matrix stored column by column, so that W x is a sum of scaled columns:
// loops the compiler vectorizes without reordering a sum.
struct Columns {
  size_t rows, cols;
  std::vector<float> t;  // [cols x rows]
  Columns(const std::vector<float>& W, size_t r, size_t c) : rows(r), cols(c), t(r * c) {
    for (size_t i = 0; i < r; ++i)
      for (size_t k = 0; k < c; ++k) t[k * r + i] = W[i * c + k];
  }
  // y = b + W x (b may be null: y = W x).
  void apply(const float* b, const float* x, float* y) const {
    for (size_t i = 0; i < rows; ++i) y[i] = b ? b[i] : 0.0f;
    for (size_t k = 0; k < cols; ++k) {
      const float xk = x[k], *col = t.data() + k * rows;
      for (size_t i = 0; i < rows; ++i) y[i] += col[i] * xk;
    }
  }
};

}  // namespace

Calibration calibrate(const ModelWeights& w, std::span<const std::vector<int32_t>> streams, size_t window,
                      uint64_t max_tokens) {
  const auto& c = w.cfg;
  const size_t dx = c.dx, dh = c.dh, G = 4 * dh;
  Calibration cal;
  cal.proj = InputMoments(dh);
  cal.embedding = InputMoments(dx);
  for (size_t l = 0; l < c.layers; ++l) {
    cal.w_ih.emplace_back(l ? dh : dx);
    cal.w_hh.emplace_back(dh);
  }
  std::vector<Columns> w_ih, w_hh;
  for (size_t l = 0; l < c.layers; ++l) {
    w_ih.emplace_back(w.lstm[l].w_ih, G, l ? dh : dx);
    w_hh.emplace_back(w.lstm[l].w_hh, G, dh);
  }
  const Columns proj(w.proj_w, dx, dh);
  std::vector<float> h(c.layers * dh), cell(c.layers * dh), g(G), gh(G), lp(dx), x(std::max(dx, dh));
  for (const auto& ids : streams) {
    size_t run = 0;
    for (int32_t id : ids) {
      if (cal.tokens >= max_tokens) break;
      if (id < 0 || uint32_t(id) >= c.rows()) continue;
      if (window && run++ % window == 0) {
        std::fill(h.begin(), h.end(), 0.0f);
        std::fill(cell.begin(), cell.end(), 0.0f);
      }
      std::copy_n(w.embedding.begin() + ptrdiff_t(size_t(id) * dx), dx, x.begin());
      for (size_t l = 0; l < c.layers; ++l) {
        float* hl = h.data() + l * dh;
        float* cl = cell.data() + l * dh;
        cal.w_ih[l].add(x.data());
        cal.w_hh[l].add(hl);
        w_ih[l].apply(w.lstm[l].b.data(), x.data(), g.data());
        w_hh[l].apply(nullptr, hl, gh.data());
        for (size_t j = 0; j < dh; ++j) {
          const float i = sigmoid(g[j] + gh[j]), f = sigmoid(g[dh + j] + gh[dh + j]);
          const float u = std::tanh(g[2 * dh + j] + gh[2 * dh + j]), o = sigmoid(g[3 * dh + j] + gh[3 * dh + j]);
          cl[j] = f * cl[j] + i * u;
          hl[j] = o * std::tanh(cl[j]);
        }
        std::copy_n(hl, dh, x.begin());
      }
      const float* top = h.data() + (c.layers - 1) * dh;
      cal.proj.add(top);
      proj.apply(w.proj_b.data(), top, lp.data());
      cal.embedding.add(lp.data());
      ++cal.tokens;
    }
  }
  for (auto* m : {&cal.proj, &cal.embedding}) mirror(*m);
  for (auto& m : cal.w_ih) mirror(m);
  for (auto& m : cal.w_hh) mirror(m);
  return cal;
}

}  // namespace dw
