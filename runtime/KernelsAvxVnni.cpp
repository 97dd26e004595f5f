// AVX2 kernels whose INT8 products use AVX-VNNI, the 256-bit VEX form of vpdpwssd that Intel's CPUs
// without AVX-512 have (Alder Lake and later laptops and desktops): the pairs are
// multiplied and added to the int32 accumulator in one instruction, where the AVX2 table needs
// vpmaddwd + vpaddd. Same layout and the same exact integer sums, so the same results as the AVX2
// table; the float kernels are its too. Reached only through kernels::avxvnni() after the CPU check
// in Kernels.cpp.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/Kernels.h"

#if defined(__clang__)  // see KernelsAvx2.cpp
#pragma clang attribute push(__attribute__((target("avx2,fma,avxvnni"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,avxvnni")
#endif

namespace dw::kernels_avxvnni {

#include "runtime/VecAvx2.inc"

struct V : Avx2 {
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm256_dpwssd_avx_epi32(acc, w, x); }
};

// The AVX2 table's float blocks. vpdpwssd accumulates in place (no temporary per product), so the
// INT8 GEMM takes 4-token tiles. Against the AVX2 table, at the default size on a Sapphire Rapids
// (the only AVX-VNNI CPU measured): GEMM 742 -> 564 ns a token, step 1041 -> ~980 ns (1-3 gate
// groups a block within noise).
constexpr size_t kGemmRows = 2, kGemmTokens = 6, kStepGroups = 3, kGemmTokensI8 = 4, kStepGroupsI8 = 2;
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avxvnni

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace dw::kernels {
const Kernels* avxvnni() {
  static constexpr Kernels k = kernels_avxvnni::table("avxvnni");
  return &k;
}
}  // namespace dw::kernels
