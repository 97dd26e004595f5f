#include "runtime/Kernels.h"

#include <cpuid.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dw {

namespace {

// The portable fallback: plain loops over the packed layouts (the compiler may vectorize the inner
// loops over outputs for the baseline ISA). Its lane count is wider than AVX2's on purpose, so the
// tests also run the packing with a second group width.
constexpr size_t kScalarLanes = 16;

// w(k, o): the weight of input k for output o.
template <class Weight>
void gemm(Weight w, size_t K, size_t G, const float* bias, const float* X, size_t xs, size_t T, float* Y,
          const float* scale) {
  thread_local std::vector<float> acc;
  acc.resize(G);
  for (size_t t = 0; t < T; ++t) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (size_t k = 0; k < K; ++k) {
      const float x = X[t * xs + k];
      for (size_t o = 0; o < G; ++o) acc[o] += w(k, o) * x;
    }
    for (size_t o = 0; o < G; ++o) Y[t * G + o] = bias[o] + (scale ? scale[o] : 1.0f) * acc[o];
  }
}

void gemm_f32(const float* W, size_t K, size_t G, const float* bias, const float* X, size_t xs, size_t T, float* Y) {
  gemm([W, G](size_t k, size_t o) { return W[k * G + o]; }, K, G, bias, X, xs, T, Y, nullptr);
}

void gemm_i8(const int8_t* Q, const float* scale, size_t K, size_t G, const float* bias, const float* X, size_t xs,
             size_t T, float* Y) {
  gemm([Q, G, K](size_t k, size_t o) { return float(Q[i8_offset(k, o, K, G)]); }, K, G, bias, X, xs, T, Y, scale);
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// g: the 4*Hp gate pre-activations in the interleaved layout (see Kernels.h).
void lstm_cell(const float* g, size_t Hp, float* c, float* h) {
  constexpr size_t L = kScalarLanes;
  for (size_t j = 0; j < Hp; ++j) {
    const float* q = g + (j / L) * 4 * L + j % L;
    float i = sigmoid(q[0]), f = sigmoid(q[L]), u = std::tanh(q[2 * L]), o = sigmoid(q[3 * L]);
    c[j] = f * c[j] + i * u;
    h[j] = o * std::tanh(c[j]);
  }
}

// w(k, o) on the group-major step layout (Kernels.h).
template <class Weight>
void lstm_step(Weight w, size_t K, size_t Hp, const float* gx, const float* h_in, float* c, float* h_out,
               const float* scale) {
  thread_local std::vector<float> g;
  g.assign(gx, gx + 4 * Hp);
  for (size_t o = 0; o < 4 * Hp; ++o) {
    float s = 0;
    for (size_t k = 0; k < K; ++k) s += w(k, o) * h_in[k];
    g[o] += (scale ? scale[o] : 1.0f) * s;
  }
  lstm_cell(g.data(), Hp, c, h_out);
}

void lstm_step_f32(const float* W, size_t K, size_t Hp, const float* gx, const float* h_in, float* c, float* h_out) {
  constexpr size_t P = 4 * kScalarLanes;
  lstm_step([=](size_t k, size_t o) { return W[(o / P) * K * P + k * P + o % P]; }, K, Hp, gx, h_in, c, h_out, nullptr);
}

void lstm_step_i8(const int8_t* Q, const float* scale, size_t K, size_t Hp, const float* gx, const float* h_in,
                  float* c, float* h_out) {
  constexpr size_t P = 4 * kScalarLanes;
  lstm_step([=](size_t k, size_t o) { return float(Q[i8_offset(k, o, K, P)]); }, K, Hp, gx, h_in, c, h_out, scale);
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

void dots_i8(const int8_t* Q, size_t n, size_t, const int32_t* rows, size_t count, const float* x, float* out) {
  for (size_t i = 0; i < count; ++i) out[i] = dot_i8(Q + size_t(rows[i]) * n, x, n);
}

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
// AVX-VNNI (CPUID leaf 7, sub-leaf 1, EAX bit 4) has no name in every compiler's
// __builtin_cpu_supports yet, so it is read directly; the OS's YMM support is implied by cpu_has_avx2.
bool cpu_has_avxvnni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return cpu_has_avx2() && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 4 & 1);
}
bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && cpu_has_avx2();
}
bool cpu_has_avx512vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni") && cpu_has_avx512();
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
const Kernels kScalar{"scalar",      kScalarLanes, false,   gemm_f32, gemm_i8,
                      lstm_step_f32, lstm_step_i8, dot_f32, dot_i8,   dots_i8};
}

std::vector<const Kernels*> available_kernels() {
  std::vector<const Kernels*> out{&kernels::kScalar};
  if (kernels::avx2() && cpu_has_avx2()) out.push_back(kernels::avx2());
  if (kernels::avxvnni() && cpu_has_avxvnni()) out.push_back(kernels::avxvnni());
  if (kernels::avx512() && cpu_has_avx512()) out.push_back(kernels::avx512());
  if (kernels::avx512vnni() && cpu_has_avx512vnni()) out.push_back(kernels::avx512vnni());
  return out;
}

const Kernels& best_kernels() {
  static const Kernels& k = choose();
  return k;
}

}  // namespace dw
