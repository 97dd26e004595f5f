// AVX2 + FMA kernels (8 floats a register). Compiled for that target only inside the pragma region;
// reached only through kernels::avx2() after the CPU check in Kernels.cpp.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/Kernels.h"

#if defined(__clang__)  // clang has no GCC target regions (the fuzz build uses clang)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace dw::kernels_avx2 {

#include "runtime/VecAvx2.inc"

struct V : Avx2 {
  // Pairs multiplied and summed into int32 lanes (vpmaddwd), then added to the accumulator.
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm256_add_epi32(acc, _mm256_madd_epi16(w, x)); }
};

// 16 registers: a GEMM tile of 2 output vectors x 6 tokens (12 accumulators, 2 weights, 1 broadcast);
// an LSTM step block of 3 gate groups (12 accumulators). INT8 needs a temporary per product and its
// int32 adds have latency 1, so smaller blocks do: 2 x 2 tiles and 1-group steps measured fastest
// here (2 x 4 and 2-group steps were not faster, on a Zen 3).
constexpr size_t kGemmRows = 2, kGemmTokens = 6, kStepGroups = 3, kGemmTokensI8 = 2, kStepGroupsI8 = 1;
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace dw::kernels {
const Kernels* avx2() {
  static constexpr Kernels k = kernels_avx2::table("avx2");
  return &k;
}
}  // namespace dw::kernels
