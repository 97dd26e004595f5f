// AVX-512 kernels (16 floats a register, masked tails). Compiled for that target only inside the
// pragma region; reached only through kernels::avx512() after the CPU check in Kernels.cpp.
// GCC 12's avx512fintrin.h builds some results from _mm512_undefined_*(), which -Wuninitialized
// reports wherever they are inlined (GCC bug 105593); the warning says nothing about our code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "runtime/Kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx2,fma")

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
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
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

constexpr size_t kTokenBlock = 4;  // 4 rows x 4 tokens = 16 accumulators of 32 registers
#include "runtime/KernelsSimd.inc"

}  // namespace dw::kernels_avx512

#pragma GCC pop_options

namespace dw::kernels {
const Kernels* avx512() {
  using namespace kernels_avx512;
  static const Kernels k{"avx512", matmul_f32, matmul_i8, lstm_cell, dot_f32, dot_i8};
  return &k;
}
}  // namespace dw::kernels
