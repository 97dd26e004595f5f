// Interned strings for the project index: ids instead of std::string copies. A project of 5,000
// files names ~60k distinct members and receivers; as std::string keys of a std::unordered_map they
// cost ~80 bytes each, here ~12 plus the characters (one arena, an open-addressing table of ids).
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace dw {

class StringPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kMaxLength = 255;  // longer strings are cut (receiver keys are <= 80 bytes)
  StringPool();
  uint32_t intern(std::string_view s);      // adds s if new
  uint32_t find(std::string_view s) const;  // kNone if absent
  std::string_view str(uint32_t id) const {
    uint64_t s = spans_[id];
    return {blocks_[s >> 40].get() + ((s >> 8) & 0xffffffff), size_t(s & 0xff)};
  }
  size_t size() const { return spans_.size(); }
  void shrink_to_fit();  // after a bulk build: the ids' spans grew by doubling
  size_t bytes() const { return blocks_.size() * kBlock + spans_.capacity() * 8 + table_.capacity() * 4; }

 private:
  static constexpr size_t kBlock = 64 << 10;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<uint64_t> spans_;  // block << 40 | offset << 8 | length
  size_t used_ = kBlock;         // bytes used in the last block
  std::vector<uint32_t> table_;  // open addressing, power-of-two size; kNone = empty
  size_t slot(std::string_view s) const;
  void grow();
};

}  // namespace dw
