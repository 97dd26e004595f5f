// AVX-512 kernels (16 floats a register, masked tails). Compiled for that target only inside the
// pragma region; reached only through kernels::avx512() after the CPU check in Kernels.cpp.
// GCC 12's avx512fintrin.h builds some results from _mm512_undefined_*(), which -Wuninitialized
// reports wherever they are inlined (GCC bug 105593); the warning says nothing about our code.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/Kernels.h"

#if defined(__clang__)  // clang has no GCC target regions (the fuzz build uses clang)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx2,fma")
#endif

namespace dw::kernels_avx512 {

#include "runtime/VecAvx512.inc"

struct V : Avx512 {
  // Pairs multiplied and summed into int32 lanes (vpmaddwd), then added to the accumulator.
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm512_add_epi32(acc, _mm512_madd_epi16(w, x)); }
};

// 32 registers: a GEMM tile of 4 output vectors x 6 tokens (24 accumulators, 4 weights, 1 broadcast);
// an LSTM step block of 4 gate groups (16 accumulators). INT8 needs a temporary per product:
// 4 x 4 tiles, 3-group blocks.
constexpr size_t kGemmRows = 4, kGemmTokens = 6, kStepGroups = 4, kGemmTokensI8 = 4, kStepGroupsI8 = 3;
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avx512

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace dw::kernels {
const Kernels* avx512() {
  static constexpr Kernels k = kernels_avx512::table("avx512");
  return &k;
}
}  // namespace dw::kernels
