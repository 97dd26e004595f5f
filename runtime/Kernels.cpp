#include "runtime/Kernels.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dw {

namespace {

// The portable fallback: plain loops the compiler may vectorize for the baseline ISA.
void matmul_f32(const float* W, size_t R, size_t C, const float* X, size_t T, float* Y) {
  for (size_t t = 0; t < T; ++t)
    for (size_t r = 0; r < R; ++r) {
      float s = 0;
      for (size_t c = 0; c < C; ++c) s += W[r * C + c] * X[t * C + c];
      Y[t * R + r] += s;
    }
}

void matmul_i8(const int8_t* Q, const float* scale, size_t R, size_t C, const float* X, size_t T, float* Y) {
  for (size_t t = 0; t < T; ++t)
    for (size_t r = 0; r < R; ++r) {
      float s = 0;
      for (size_t c = 0; c < C; ++c) s += float(Q[r * C + c]) * X[t * C + c];
      Y[t * R + r] += scale[r] * s;
    }
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void lstm_cell(const float* g, float* c, float* h, size_t dh) {
  for (size_t j = 0; j < dh; ++j) {
    float i = sigmoid(g[j]), f = sigmoid(g[dh + j]), u = std::tanh(g[2 * dh + j]), o = sigmoid(g[3 * dh + j]);
    c[j] = f * c[j] + i * u;
    h[j] = o * std::tanh(c[j]);
  }
}

float dot_f32(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float dot_i8(const int8_t* q, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += float(q[i]) * b[i];
  return s;
}

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && cpu_has_avx2();
}

const Kernels& choose() {
  auto all = available_kernels();
  if (const char* want = std::getenv("DOTWISE_KERNELS"); want && *want) {
    for (const Kernels* k : all)
      if (std::strcmp(k->name, want) == 0) return *k;
    throw std::runtime_error(std::string("DOTWISE_KERNELS=") + want + ": not available on this CPU");
  }
  return *all.back();
}

}  // namespace

namespace kernels {
const Kernels kScalar{"scalar", matmul_f32, matmul_i8, lstm_cell, dot_f32, dot_i8};
}

std::vector<const Kernels*> available_kernels() {
  std::vector<const Kernels*> out{&kernels::kScalar};
  if (kernels::avx2() && cpu_has_avx2()) out.push_back(kernels::avx2());
  if (kernels::avx512() && cpu_has_avx512()) out.push_back(kernels::avx512());
  return out;
}

const Kernels& best_kernels() {
  static const Kernels& k = choose();
  return k;
}

}  // namespace dw
