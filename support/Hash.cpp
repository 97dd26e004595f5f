#include "support/Hash.h"

#include <cstring>

namespace dw {
namespace {
constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}
}  // namespace

uint64_t hash64(const void* data, size_t n, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (n * kMul);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);  // little-endian hosts only (checked in CMake-built tests)
    h = (h ^ mix(w)) * kMul;
  }
  uint64_t tail = 0;
  for (size_t k = 0; i + k < n; ++k) tail |= uint64_t(p[i + k]) << (8 * k);
  h = (h ^ mix(tail ^ n)) * kMul;
  return mix(h);
}

}  // namespace dw
