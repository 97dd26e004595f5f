// The token vocabulary, built on the training split only: tokens seen at least min_count times get
// ids [0, V); every other token gets a per-file id V + k (k-th distinct OOV token of that file, the
// same token the same id within a file, as in the Pythia paper), or <unk> past max_oov.
// File format (text, one token a line, id = line number after the header):
//   # dotwise-vocab 1 min_count=N max_oov=K
//   <token>\t<count>\t<count as a member>
#pragma once
#include <cstdint>
#include <filesystem>
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
  static Vocab load(const std::filesystem::path& p);  // throws FormatError
  void save(const std::filesystem::path& p) const;    // atomic

  uint32_t size() const { return uint32_t(tokens_.size()); }  // V, specials included
  uint32_t max_oov() const { return max_oov_; }
  uint64_t min_count() const { return min_count_; }
  uint32_t output_size() const { return size() + max_oov_; }  // ids a model must be able to emit
  int32_t id(std::string_view tok) const;                     // -1 when out of vocabulary
  const std::string& token(int32_t id) const { return tokens_.at(size_t(id)); }
  uint64_t count(int32_t id) const { return counts_.at(size_t(id)); }
  uint64_t member_count(int32_t id) const { return member_counts_.at(size_t(id)); }
  bool is_member(int32_t id) const { return id >= 0 && id < int32_t(size()) && member_counts_[size_t(id)] > 0; }
  std::vector<int32_t> member_ids() const;  // every in-vocabulary id seen as a member in training

 private:
  std::vector<std::string> tokens_;
  std::vector<uint64_t> counts_, member_counts_;
  // Token -> id by open addressing over ids (-1 empty), the strings kept once in tokens_: the server
  // holds a vocabulary of ~19k tokens, and a map keyed by copies of them cost ~1.5 MB more.
  std::vector<int32_t> slots_;
  uint64_t min_count_ = 0;
  uint32_t max_oov_ = 0;
  void add(std::string tok, uint64_t count, uint64_t member_count);
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
