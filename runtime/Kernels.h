// The few numeric loops the runtime spends its time in, one table per instruction set. The best
// table the CPU supports is chosen once at run time (__builtin_cpu_supports), so one binary runs
// everywhere: AVX-512 with VNNI, AVX-512, AVX2+FMA with AVX-VNNI, AVX2+FMA, or the portable fallback.
// DOTWISE_KERNELS=scalar|avx2|avxvnni|avx512|avx512vnni forces one (tests compare them all).
//
// The matrix kernels read weights packed at load time (runtime/Packed.h) rather than the file's
// row-major [out x in] layout: column-major ("k-major"), so every input value is broadcast against a
// contiguous run of outputs and no horizontal sums are needed, with the outputs padded to a multiple
// of `lanes`. LSTM gate outputs are interleaved per group of `lanes` units, [i f g o] for units
// [q*lanes, (q+1)*lanes) at columns q*4*lanes + {0, 1, 2, 3}*lanes, so one group's four gate
// vectors finish together: the FP32 step runs the cell update on them while they are still in
// registers; the INT8 step stores them and runs every group's update after the products.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dw {

inline size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

struct Kernels {
  const char* name;
  size_t lanes;  // the output padding / gate group width the packed layouts use with this table
  // Whether the INT8 kernels quantize each activation row to int16 (with its own scale, at most
  // activation_qmax levels each side: an error of at most max|x| / (2 * activation_qmax) a value, far
  // below the weights' INT8 error) and multiply pairs in int32 (vpmaddwd); the portable fallback
  // multiplies in float.
  bool int_activations;
  // Y[t*G + o] = bias[o] + sum_{k<K} X[t*xs + k] * W[k*G + o] for t < T, o < G (G a multiple of lanes):
  // the input projection of a chunk of tokens at once (T > 1), or a matrix-vector product (T = 1).
  void (*gemm_f32)(const float* W, size_t K, size_t G, const float* bias, const float* X, size_t xs, size_t T,
                   float* Y);
  // The same with INT8 weights and one scale per output column, input pairs interleaved: W[k, o] =
  // scale[o] * Q[i8_offset(k, o, K, G)] (K rounded up to even, zero-padded). Each activation row (a
  // token's input, h_in) is quantized as described at int_activations.
  void (*gemm_i8)(const int8_t* Q, const float* scale, size_t K, size_t G, const float* bias, const float* X, size_t xs,
                  size_t T, float* Y);
  // One LSTM step on the interleaved gate layout (G = 4*Hp, Hp a multiple of lanes): the gates are
  // gx + W h_in (h_in: K values), then per unit c = s(f)c + s(i)tanh(g), h_out = s(o)tanh(c).
  // c and h_out hold Hp values; h_out must not overlap h_in. W is stored group-major, so each gate
  // group's weights are one contiguous stream: panels of P = 4*lanes columns, W[k, o] at
  // (o/P)*K*P + k*P + o%P (INT8: i8_offset(k, o, K, P)).
  void (*lstm_step_f32)(const float* W, size_t K, size_t Hp, const float* gx, const float* h_in, float* c,
                        float* h_out);
  void (*lstm_step_i8)(const int8_t* Q, const float* scale, size_t K, size_t Hp, const float* gx, const float* h_in,
                       float* c, float* h_out);
  float (*dot_f32)(const float* a, const float* b, size_t n);
  float (*dot_i8)(const int8_t* q, const float* b, size_t n);  // unscaled
  // out[i] = dot_i8(Q + rows[i] * n, x, n) for i < count, rows of a row-major [total x n] matrix: the
  // output layer's logits for many ids at once (every member name of the vocabulary per completion),
  // with x quantized once as at int_activations.
  void (*dots_i8)(const int8_t* Q, size_t n, size_t total, const int32_t* rows, size_t count, const float* x,
                  float* out);
};

// Where weight (k, o) of an INT8 matrix with K inputs lives when stored in panels of P columns (P = G
// for the GEMM's input-major layout): two consecutive inputs of one column share a 32-bit lane.
inline size_t i8_offset(size_t k, size_t o, size_t K, size_t P) {
  return (o / P) * round_up(K, 2) * P + (k / 2) * 2 * P + 2 * (o % P) + k % 2;
}
// The int16 levels each side of zero an activation row of K values gets: all of them, fewer only
// where K products with INT8 weights could overflow the int32 sums.
inline float activation_qmax(size_t K) {
  return float(std::min<size_t>(32767, size_t(INT32_MAX) / (127 * round_up(K, 2))));
}

const Kernels& best_kernels();                    // the fastest this CPU supports (or DOTWISE_KERNELS)
std::vector<const Kernels*> available_kernels();  // every table this CPU can run, fallback first

namespace kernels {
extern const Kernels kScalar;
const Kernels* avx2();  // nullptr when not compiled in
const Kernels* avxvnni();
const Kernels* avx512();
const Kernels* avx512vnni();
}  // namespace kernels

}  // namespace dw
