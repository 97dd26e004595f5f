#include "train/Optimizer.h"

#include <cmath>

#include "support/Parallel.h"

namespace dw::train {
namespace {
// Two slices: the update of a few million parameters is memory-bound; two cores halve it.
constexpr size_t kSlices = 2;
template <class Fn>
void sliced(size_t n, Fn&& fn) {
  parallel_for(kSlices, n > (1u << 16) ? kSlices : 1, [&](size_t s) { fn(s, n * s / kSlices, n * (s + 1) / kSlices); });
}
}  // namespace

void Adam::step(float* p, const float* g, float lr) {
  ++t;
  const float b1 = beta1, b2 = beta2, e = eps;
  const float c1 = 1.f - float(std::pow(double(b1), double(t))), c2 = 1.f - float(std::pow(double(b2), double(t)));
  const float step = lr / c1, inv_sqrt_c2 = 1.f / std::sqrt(c2);
  float* mm = m.data();
  float* vv = v.data();
  sliced(m.size(), [&](size_t, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      mm[i] = b1 * mm[i] + (1.f - b1) * g[i];
      vv[i] = b2 * vv[i] + (1.f - b2) * g[i] * g[i];
      p[i] -= step * mm[i] / (std::sqrt(vv[i]) * inv_sqrt_c2 + e);
    }
  });
}

double clip_grad_norm(float* g, size_t n, float max_norm) {
  double sq[kSlices] = {};
  sliced(n, [&](size_t slice, size_t lo, size_t hi) {
    double s = 0;
    for (size_t i = lo; i < hi; ++i) s += double(g[i]) * g[i];
    sq[slice] = s;
  });
  double norm = 0;
  for (double s : sq) norm += s;
  norm = std::sqrt(norm);
  if (max_norm > 0 && norm > max_norm) scale(g, n, float(max_norm / (norm + 1e-6)));
  return norm;
}

void scale(float* g, size_t n, float factor) {
  sliced(n, [&](size_t, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) g[i] *= factor;
  });
}

}  // namespace dw::train
