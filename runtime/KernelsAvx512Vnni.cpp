// AVX-512 kernels whose INT8 products use VNNI: vpdpwssd multiplies int16 pairs and adds them to
// the int32 accumulator in one instruction, where the plain AVX-512 table needs vpmaddwd + vpaddd.
// Same layout, same activations and the same exact integer sums, so the same results; the float
// kernels are the AVX-512 ones. (Four int8 products per lane with vpdpbusd would halve the multiply
// instructions again, but int8 activations kept the shipped model's top-5 set on only 94% of
// contexts.) Reached only through kernels::avx512vnni() after the CPU check in Kernels.cpp.
#if !defined(__clang__)  // see KernelsAvx512.cpp
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

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vnni,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni,avx2,fma")
#endif

namespace dw::kernels_avx512vnni {

#include "runtime/VecAvx512.inc"

struct V : Avx512 {
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm512_dpwssd_epi32(acc, w, x); }
};

// vpdpwssd accumulates in place (no temporary per product), so a step block can take 4 gate groups
// (16 accumulators); 4 x 4 GEMM tiles measured fastest (4 x 6 took 45% longer, on a Sapphire Rapids).
constexpr size_t kGemmRows = 4, kGemmTokens = 6, kStepGroups = 4, kGemmTokensI8 = 4, kStepGroupsI8 = 4;
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avx512vnni

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace dw::kernels {
const Kernels* avx512vnni() {
  static constexpr Kernels k = kernels_avx512vnni::table("avx512vnni");
  return &k;
}
}  // namespace dw::kernels
