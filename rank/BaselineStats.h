// The counts behind the paper's baselines (frequency, frequency-if, Markov chain), gathered from the
// training split only and turned into ranked member lists that the rankers overlay on each other.
//
// Class key: what a baseline conditions on. The completion class when the extractor resolved one
// ("os.path", "str"), else "?" + the receiver's text ("?self", "?args"): unresolved receivers then
// still share counts across files by name, which is what a frequency table keyed by receiver sees.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "syntax/Extracted.h"

namespace dw {

std::string class_key(const ExtractedFile& f, const Site& s);

// A member in a ranked list. `level` is a dense rank (1 = lowest); equal levels mean equal keys.
struct RankedMember {
  uint32_t member = 0;
  uint32_t level = 0;
};

// Heterogeneous lookup so string_views find std::string keys without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringIndex = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

class BaselineStats;

// Accumulates counts file by file; merge() combines counters built on different threads.
class BaselineCounter {
 public:
  void add_file(const ExtractedFile& f);
  void merge(const BaselineCounter& other);
  BaselineStats finish() const;
  uint64_t sites() const { return n_sites_; }

 private:
  struct TriHash {
    size_t operator()(const std::array<uint32_t, 3>& t) const;
  };
  uint32_t intern(StringIndex& idx, std::vector<std::string>& names, std::string_view s);
  std::vector<std::string> members_, keys_;
  StringIndex member_idx_, key_idx_;
  std::unordered_map<uint64_t, std::array<uint64_t, 2>> class_counts_;  // key<<32|member -> (outside if, inside if)
  std::unordered_map<std::array<uint32_t, 3>, uint64_t, TriHash> transitions_;  // (key, prev, next) -> count
  uint64_t n_sites_ = 0, n_files_ = 0;
};

class BaselineStats {
 public:
  struct ClassCount {
    uint32_t key, member;
    uint64_t outside_if, inside_if;
  };
  struct Transition {
    uint32_t key, prev, next;
    uint64_t count;
  };

  BaselineStats() = default;
  // Names need not be sorted; rows may come in any order (they are canonicalized here).
  BaselineStats(std::vector<std::string> members, std::vector<std::string> keys, std::vector<ClassCount> counts,
                std::vector<Transition> transitions, uint64_t n_sites, uint64_t n_files);

  // Builds from shards on `threads` workers (deterministic whatever the thread count).
  static BaselineStats build(const std::vector<std::filesystem::path>& shards, unsigned threads);
  // DIR/baselines.bin when it was built from exactly the current train shards, else build and save it.
  static BaselineStats load_or_build(const std::filesystem::path& data_dir, unsigned threads, bool* rebuilt = nullptr);

  std::string encode(uint64_t fingerprint = 0) const;
  static BaselineStats decode(std::string_view bytes, uint64_t* fingerprint = nullptr);  // throws FormatError

  int32_t member_id(std::string_view name) const;  // -1 when never seen as a member in training
  int32_t key_id(std::string_view key) const;      // -1 when never seen
  const std::string& member_name(uint32_t m) const { return members_[m]; }
  size_t n_members() const { return members_.size(); }
  size_t n_keys() const { return keys_.size(); }
  uint64_t n_sites() const { return n_sites_; }
  uint64_t n_files() const { return n_files_; }

  uint64_t global_count(uint32_t m) const { return global_count_[m]; }
  uint32_t global_level(uint32_t m) const { return global_level_[m]; }  // 1..max_global_level()
  uint32_t max_global_level() const { return max_global_level_; }

  // Members seen on a key, best first: by (class count, global count).
  std::span<const RankedMember> by_class(int32_t key) const;
  // By (count inside / outside an if for this key, class count, global count).
  std::span<const RankedMember> by_class_if(int32_t key, bool in_if) const;
  // Members that followed `prev` on this key in a scope: by (transition count, class count, global count).
  std::span<const RankedMember> after(int32_t key, int32_t prev) const;

  const std::vector<ClassCount>& class_counts() const { return counts_; }
  const std::vector<Transition>& transitions() const { return transitions_; }

 private:
  void index();
  std::vector<std::string> members_, keys_;
  StringIndex member_idx_, key_idx_;
  std::vector<ClassCount> counts_;       // sorted by (key, member)
  std::vector<Transition> transitions_;  // sorted by (key, prev, next)
  uint64_t n_sites_ = 0, n_files_ = 0;

  std::vector<uint64_t> global_count_;
  std::vector<uint32_t> global_level_;
  uint32_t max_global_level_ = 0;
  std::vector<uint32_t> class_off_, if_off_;  // CSR offsets into the lists below
  std::vector<RankedMember> class_list_, if_list_, after_list_;
  std::unordered_map<uint64_t, std::pair<uint32_t, uint32_t>> after_range_;  // key<<32|prev -> [begin, end)
};

// Fingerprint of a split's shards (names, sizes, header bytes): the cache key for baselines.bin.
uint64_t shards_fingerprint(const std::vector<std::filesystem::path>& shards);

}  // namespace dw
