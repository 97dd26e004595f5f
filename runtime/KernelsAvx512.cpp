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

struct V {
  using reg = __m512;
  static constexpr size_t N = 16;
  static __mmask16 mask(size_t n) { return __mmask16((1u << n) - 1); }
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float x) { return _mm512_set1_ps(x); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg load_partial(const float* p, size_t n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static void store(float* p, reg x) { _mm512_storeu_ps(p, x); }
  static void store_partial(float* p, reg x, size_t n) { _mm512_mask_storeu_ps(p, mask(n), x); }
  static reg load_i8(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static reg load_i8_partial(const int8_t* p, size_t n) {
    alignas(16) int8_t buf[16] = {};
    std::memcpy(buf, p, n);
    return load_i8(buf);
  }
  // Lanes [0, n) = end[-n .. 0), the rest 0; reads the N bytes before `end`.
  static reg load_i8_tail(const int8_t* end, size_t n) {
    reg all = load_i8(end - N);
    __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                   _mm512_set1_epi32(int(N - n)));
    return _mm512_maskz_permutexvar_ps(mask(n), idx, all);
  }
  // INT8 weights (widened to int16 at load) against int16 activations: N outputs x 2 inputs,
  // multiplied with a broadcast pair and summed pairwise into int32 lanes (vpmaddwd).
  using ireg = __m512i;
  static ireg izero() { return _mm512_setzero_si512(); }
  static ireg set1_i32(int32_t x) { return _mm512_set1_epi32(x); }
  static ireg load_w16(const int16_t* p) { return _mm512_loadu_si512(p); }
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm512_add_epi32(acc, _mm512_madd_epi16(w, x)); }
  static reg to_float(ireg x) { return _mm512_cvtepi32_ps(x); }
  static float hmax(reg x) { return _mm512_reduce_max_ps(x); }
  // N floats rounded to nearest and saturated to int16.
  static void store_i16(int16_t* p, reg x) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtsepi32_epi16(_mm512_cvtps_epi32(x)));
  }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg rcp(reg a) { return _mm512_rcp14_ps(a); }  // ~14 bits
  static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
  static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg round(reg x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg pow2i(reg n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static float hsum(reg x) { return _mm512_reduce_add_ps(x); }
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
  using namespace kernels_avx512;
  static const Kernels k{"avx512", V::N, gemm_f32, gemm_i8, lstm_step_f32, lstm_step_i8, dot_f32, dot_i8};
  return &k;
}
}  // namespace dw::kernels
