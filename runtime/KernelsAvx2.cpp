// AVX2 + FMA kernels (8 floats a register). Compiled for that target only inside the pragma region;
// reached only through kernels::avx2() after the CPU check in Kernels.cpp.
#include <immintrin.h>

#include <cstring>

#include "runtime/Kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

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
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
  static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg round(reg x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg pow2i(reg n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static float hsum(reg x) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

constexpr size_t kTokenBlock = 2;  // 4 rows x 2 tokens = 8 accumulators of 16 registers
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avx2

#pragma GCC pop_options

namespace dw::kernels {
const Kernels* avx2() {
  using namespace kernels_avx2;
  static const Kernels k{"avx2", matmul_f32, matmul_i8, lstm_cell, dot_f32, dot_i8};
  return &k;
}
}  // namespace dw::kernels
