// Stable, platform-independent hashes. Used for splits and content dedup, so never change their values.
#pragma once
#include <cstdint>
#include <string_view>

namespace dw {

// FNV-1a 64: the project-split hash (its value is part of the documented split rule).
constexpr uint64_t fnv1a64(std::string_view s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// A faster 64-bit content hash (8 bytes per step, murmur-style finalizer) for dedup and checksums.
uint64_t hash64(const void* data, size_t n, uint64_t seed = 0);
inline uint64_t hash64(std::string_view s, uint64_t seed = 0) { return hash64(s.data(), s.size(), seed); }

}  // namespace dw
