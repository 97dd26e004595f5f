#include "index/StringPool.h"

#include <cstring>

#include "support/Hash.h"

namespace dw {

StringPool::StringPool() : table_(1024, kNone) {}

size_t StringPool::slot(std::string_view s) const {
  size_t mask = table_.size() - 1, i = size_t(hash64(s)) & mask;
  while (table_[i] != kNone && str(table_[i]) != s) i = (i + 1) & mask;
  return i;
}

uint32_t StringPool::find(std::string_view s) const {
  if (s.size() > kMaxLength) s = s.substr(0, kMaxLength);
  return table_[slot(s)];
}

uint32_t StringPool::intern(std::string_view s) {
  if (s.size() > kMaxLength) s = s.substr(0, kMaxLength);
  size_t i = slot(s);
  if (table_[i] != kNone) return table_[i];
  // The first string may be empty (a nameless import, `from . import x`): it still needs a block to point into.
  if (blocks_.empty() || used_ + s.size() > kBlock) {
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    used_ = 0;
  }
  if (!s.empty()) std::memcpy(blocks_.back().get() + used_, s.data(), s.size());
  spans_.push_back(uint64_t(blocks_.size() - 1) << 40 | uint64_t(used_) << 8 | s.size());
  used_ += s.size();
  auto id = uint32_t(spans_.size() - 1);
  table_[i] = id;
  // Up to three quarters full: a 5,000-file project interns ~86k strings, and a table kept half
  // empty cost 1 MB of ids where this one costs 0.5 (lookups are a few hundred per completion).
  if (spans_.size() * 4 > table_.size() * 3) grow();
  return id;
}

void StringPool::shrink_to_fit() { spans_.shrink_to_fit(); }

void StringPool::grow() {
  std::vector<uint32_t> old(table_.size() * 2, kNone);
  old.swap(table_);
  for (uint32_t id : old)
    if (id != kNone) table_[slot(str(id))] = id;
}

}  // namespace dw
