// The few numeric loops the runtime spends its time in, one table per instruction set. The best
// table the CPU supports is chosen once at run time (__builtin_cpu_supports), so one binary runs
// everywhere: AVX-512, AVX2+FMA, or the portable fallback. DOTWISE_KERNELS=scalar|avx2|avx512
// forces one (tests compare them all).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dw {

struct Kernels {
  const char* name;
  // Y[t*R + r] += dot(W[r], X[t*C ..]) for r < R, t < T. W is [R x C] row-major. With T = 1 it is a
  // matrix-vector product (the recurrence); with T > 1 the input projection of a whole chunk.
  void (*matmul_f32)(const float* W, size_t R, size_t C, const float* X, size_t T, float* Y);
  // The same with INT8 rows: W[r] = scale[r] * Q[r].
  void (*matmul_i8)(const int8_t* Q, const float* scale, size_t R, size_t C, const float* X, size_t T, float* Y);
  // One LSTM cell update from pre-activations g = [i f g o] (4*dh): c = s(f)c + s(i)tanh(g); h = s(o)tanh(c).
  void (*lstm_cell)(const float* gates, float* c, float* h, size_t dh);
  float (*dot_f32)(const float* a, const float* b, size_t n);
  float (*dot_i8)(const int8_t* q, const float* b, size_t n);  // unscaled
};

const Kernels& best_kernels();                    // the fastest this CPU supports (or DOTWISE_KERNELS)
std::vector<const Kernels*> available_kernels();  // every table this CPU can run, fallback first

namespace kernels {
extern const Kernels kScalar;
const Kernels* avx2();  // nullptr when not compiled in
const Kernels* avx512();
}  // namespace kernels

}  // namespace dw
