// Dense ids for strings that are only ever looked up, never listed (receiver keys, file paths): a
// 64-bit hash stands for the text, so none of it is kept. In a 5,000-file project the index looks up
// ~24k receiver keys of ~36 bytes and ~5k paths of ~90; two of them sharing a hash is a chance of
// about 1e-12, and would merge their counts, nothing worse.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "support/Hash.h"

namespace dw {

class HashIds {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static uint64_t hash(std::string_view s) { return hash64(s) | 1; }  // never 0, the empty slot's mark

  uint32_t find(std::string_view s) const { return find_hash(hash(s)); }
  uint32_t find_hash(uint64_t h) const { return hashes_.empty() ? kNone : ids_[slot(h)]; }
  uint32_t intern(std::string_view s) {
    const uint64_t h = hash(s);
    if (uint32_t id = find_hash(h); id != kNone) return id;
    if ((size_ + 1) * 4 > hashes_.size() * 3) grow();
    const size_t i = slot(h);
    hashes_[i] = h;
    ids_[i] = size_;
    return size_++;
  }
  uint32_t size() const { return size_; }
  size_t bytes() const { return hashes_.capacity() * 8 + ids_.capacity() * 4; }

 private:
  // Open addressing, power-of-two size, at most three quarters full; hash 0 marks an empty slot.
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> ids_;
  uint32_t size_ = 0;

  size_t slot(uint64_t h) const {
    const size_t mask = hashes_.size() - 1;
    size_t i = size_t(h >> 7) & mask;
    while (hashes_[i] != 0 && hashes_[i] != h) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    const size_t n = hashes_.empty() ? 64 : hashes_.size() * 2;
    std::vector<uint64_t> old_h(n, 0);
    std::vector<uint32_t> old_i(n, kNone);
    old_h.swap(hashes_);
    old_i.swap(ids_);
    for (size_t j = 0; j < old_h.size(); ++j)
      if (old_h[j]) {
        const size_t i = slot(old_h[j]);
        hashes_[i] = old_h[j];
        ids_[i] = old_i[j];
      }
  }
};

}  // namespace dw
