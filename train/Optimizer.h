// Adam and gradient-norm clipping over the model's flat parameter and gradient buffers. Plain
// loops (the compiler vectorizes them): the optimizer state is two more flat arrays, which makes
// it trivial to checkpoint and identical on every rank.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dw::train {

class Adam {
 public:
  explicit Adam(size_t n) : m(n, 0.f), v(n, 0.f) {}
  void step(float* params, const float* grads, float lr);

  std::vector<float> m, v;
  uint64_t t = 0;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
};

// Scales g so its L2 norm is at most max_norm; returns the norm before scaling.
double clip_grad_norm(float* g, size_t n, float max_norm);
void scale(float* g, size_t n, float factor);

}  // namespace dw::train
