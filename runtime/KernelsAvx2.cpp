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

struct V {
  using reg = __m256;
  static constexpr size_t N = 8;
  static __m256i mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float x) { return _mm256_set1_ps(x); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg load_partial(const float* p, size_t n) { return _mm256_maskload_ps(p, mask(n)); }
  static void store(float* p, reg x) { _mm256_storeu_ps(p, x); }
  static void store_partial(float* p, reg x, size_t n) { _mm256_maskstore_ps(p, mask(n), x); }
  static reg load_i8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static reg load_i8_partial(const int8_t* p, size_t n) {
    alignas(16) int8_t buf[16] = {};
    std::memcpy(buf, p, n);
    return load_i8(buf);
  }
  // Lanes [0, n) = end[-n .. 0), the rest 0; reads the N bytes before `end`.
  static reg load_i8_tail(const int8_t* end, size_t n) {
    reg all = load_i8(end - N);
    __m256i idx = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(int(N - n)));
    return _mm256_and_ps(_mm256_permutevar8x32_ps(all, idx), _mm256_castsi256_ps(mask(n)));
  }
  // INT8 weights (widened to int16 as they are loaded) against int16 activations: N outputs x 2 inputs,
  // multiplied with a broadcast pair and summed pairwise into int32 lanes (vpmaddwd).
  using ireg = __m256i;
  static ireg set1_i32(int32_t x) { return _mm256_set1_epi32(x); }
  static ireg load_w8(const int8_t* p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static ireg madd_add(ireg acc, ireg w, ireg x) { return _mm256_add_epi32(acc, _mm256_madd_epi16(w, x)); }
  static reg to_float(ireg x) { return _mm256_cvtepi32_ps(x); }
  static float hmax(reg x) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // N floats rounded to nearest and saturated to int16.
  static void store_i16(int16_t* p, reg x) {
    __m256i i = _mm256_cvtps_epi32(x);
    __m128i packed = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), packed);
  }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg rcp(reg a) { return _mm256_rcp_ps(a); }  // ~12 bits
  static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static float hsum(reg x) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
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
  using namespace kernels_avx2;
  static const Kernels k{"avx2", V::N, true, gemm_f32, gemm_i8, lstm_step_f32, lstm_step_i8, dot_f32, dot_i8};
  return &k;
}
}  // namespace dw::kernels
