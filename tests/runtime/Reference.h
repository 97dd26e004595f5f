// A plain scalar LSTM + predicted-embedding forward pass in double precision, written from the
// definition in model/Weights.h and sharing no code with the runtime: the yardstick for its tests.
#pragma once
#include <cmath>
#include <span>
#include <vector>

#include "model/Weights.h"

namespace dw::testing {

// Logits of every id after `ids`.
inline std::vector<double> reference_logits(const ModelWeights& w, std::span<const int32_t> ids) {
  const auto& c = w.cfg;
  const size_t dx = c.dx, dh = c.dh;
  std::vector<std::vector<double>> h(c.layers, std::vector<double>(dh)), cs = h;
  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  for (int32_t id : ids) {
    std::vector<double> x(w.embedding.begin() + ptrdiff_t(size_t(id) * dx),
                          w.embedding.begin() + ptrdiff_t(size_t(id) * dx + dx));
    for (size_t l = 0; l < c.layers; ++l) {
      const auto& L = w.lstm[l];
      std::vector<double> g(4 * dh);
      for (size_t r = 0; r < 4 * dh; ++r) {
        double s = L.b[r];
        for (size_t k = 0; k < x.size(); ++k) s += double(L.w_ih[r * x.size() + k]) * x[k];
        for (size_t k = 0; k < dh; ++k) s += double(L.w_hh[r * dh + k]) * h[l][k];
        g[r] = s;
      }
      for (size_t j = 0; j < dh; ++j) {
        double i = sig(g[j]), f = sig(g[dh + j]), u = std::tanh(g[2 * dh + j]), o = sig(g[3 * dh + j]);
        cs[l][j] = f * cs[l][j] + i * u;
        h[l][j] = o * std::tanh(cs[l][j]);
      }
      x = h[l];
    }
  }
  std::vector<double> lp(dx);
  for (size_t r = 0; r < dx; ++r) {
    double s = w.proj_b[r];
    for (size_t k = 0; k < dh; ++k) s += double(w.proj_w[r * dh + k]) * h[c.layers - 1][k];
    lp[r] = s;
  }
  std::vector<double> out(c.rows());
  for (size_t v = 0; v < c.rows(); ++v) {
    double s = w.out_b[v];
    for (size_t k = 0; k < dx; ++k) s += double(w.embedding[v * dx + k]) * lp[k];
    out[v] = s;
  }
  return out;
}

}  // namespace dw::testing
