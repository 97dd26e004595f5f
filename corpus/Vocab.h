// The token vocabulary, built on the training split only: tokens seen at least min_count times get
// ids [0, V); every other token gets a per-file id V + k (k-th distinct OOV token of that file, the
// same token the same id within a file, as in the Pythia paper), or <unk> past max_oov.
// File format (text, one token a line, id = line number after the header):
//   # dotwise-vocab 1 min_count=N max_oov=K
//   <token>\t<count>\t<count as a member>
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "syntax/Extracted.h"

namespace dw {

class Vocab {
 public:
  static constexpr int32_t kPad = 0, kUnk = 1;

  // Counts are accumulated with VocabCounter; ids are given by count (desc), then token (asc).
  static Vocab build(const std::unordered_map<std::string, std::pair<uint64_t, uint64_t>>& counts, uint64_t min_count,
                     uint32_t max_oov);
  // Tokens already in id order (a model file's list, <pad> and <unk> first); token i gets the count
  // size - i, so build() over these counts would give the same ids. Throws FormatError on a duplicate.
  static Vocab ordered(std::span<const std::string_view> tokens, std::span<const uint8_t> is_member, uint32_t max_oov);
  static Vocab load(const std::filesystem::path& p);  // throws FormatError
  void save(const std::filesystem::path& p) const;    // atomic

  uint32_t size() const { return uint32_t(ends_.size()); }  // V, specials included
  uint32_t max_oov() const { return max_oov_; }
  uint64_t min_count() const { return min_count_; }
  uint32_t output_size() const { return size() + max_oov_; }  // ids a model must be able to emit
  int32_t id(std::string_view tok) const;                     // -1 when out of vocabulary
  std::string_view token(int32_t id) const {
    const size_t i = size_t(id);
    if (id < 0 || i >= size()) throw std::out_of_range("vocabulary id " + std::to_string(id));
    return std::string_view(chars_).substr(ends_[i] - length(i), length(i));
  }
  uint64_t count(int32_t id) const { return counts_.at(size_t(id)); }
  uint64_t member_count(int32_t id) const { return member_counts_.at(size_t(id)); }
  bool is_member(int32_t id) const { return id >= 0 && id < int32_t(size()) && member_counts_[size_t(id)] > 0; }
  std::vector<int32_t> member_ids() const;  // every in-vocabulary id seen as a member in training

 private:
  // The tokens back to back in one string (token i ends at ends_[i]): the server holds a vocabulary
  // of ~19k tokens, and a std::string each (plus a vector grown by doubling) held ~2 MB more.
  std::string chars_;
  std::vector<uint32_t> ends_;
  std::vector<uint64_t> counts_, member_counts_;
  // Token -> id by open addressing over ids (-1 empty), the strings kept once in chars_.
  std::vector<int32_t> slots_;
  uint64_t min_count_ = 0;
  uint32_t max_oov_ = 0;
  size_t length(size_t i) const { return ends_[i] - (i ? ends_[i - 1] : 0); }
  void add(std::string_view tok, uint64_t count, uint64_t member_count);
  void reserve(size_t tokens, size_t chars);
  void shrink();                            // capacity to size once every token is in
  size_t slot(std::string_view tok) const;  // where tok is, or the empty slot where it would go
};

class VocabCounter {
 public:
  void add(const ExtractedFile& f);
  void merge(const VocabCounter& other);
  const std::unordered_map<std::string, std::pair<uint64_t, uint64_t>>& counts() const { return counts_; }

 private:
  std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> counts_;  // token -> (count, member count)
};

struct EncodedFile {
  std::vector<int32_t> ids;      // one id per token: [0,V) vocabulary, [V, V+max_oov) per-file OOV, or kUnk
  std::vector<std::string> oov;  // oov[k] is the token behind id V + k
  const ExtractedFile* source = nullptr;
};

EncodedFile encode(const Vocab& v, const ExtractedFile& f);

}  // namespace dw
