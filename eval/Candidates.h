// The candidate lists of the two evaluation protocols, sorted by name (ties between equal scores then
// fall to alphabetical order, as rank/Ranker.h promises):
//   vocabulary-wide  every member name of the vocabulary (the paper's setting)
//   typed            for a site whose completion class is known: the class's public members from the
//                    stubs, plus every member seen on that class in training (what an editor offers)
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corpus/Vocab.h"
#include "rank/BaselineStats.h"
#include "rank/Ranker.h"

namespace dw {

// Public member names of a completion class from stubs (TypeshedIndex::members), or nothing.
using StubMembers = std::function<std::vector<std::string>(std::string_view cls)>;

struct CandidateList {
  std::vector<std::string> names;  // sorted, unique
  std::vector<Candidate> cands;    // views into `names`; id = vocabulary id or -1
  StringIndex index;               // name -> position
  std::vector<uint32_t> no_id;     // positions whose name is not in the vocabulary
  int32_t find(std::string_view name) const {
    auto it = index.find(name);
    return it == index.end() ? -1 : int32_t(it->second);
  }
};

class CandidateLists {
 public:
  // `stats` (training members per class) and `stubs` may each be absent.
  CandidateLists(const Vocab& vocab, const BaselineStats* stats, StubMembers stubs);

  const CandidateList& vocabulary() const { return vocab_list_; }
  int32_t vocabulary_index(int32_t vocab_id) const {
    return vocab_id >= 0 && size_t(vocab_id) < by_vocab_id_.size() ? by_vocab_id_[size_t(vocab_id)] : -1;
  }
  // The typed list of a class (built on first use; thread-safe; the reference stays valid).
  const CandidateList& typed(std::string_view cls);

 private:
  std::unique_ptr<CandidateList> make(std::vector<std::string> names) const;
  const Vocab& vocab_;
  const BaselineStats* stats_;
  StubMembers stubs_;
  CandidateList vocab_list_;
  std::vector<int32_t> by_vocab_id_;
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<CandidateList>, StringHash, std::equal_to<>> typed_;
};

}  // namespace dw
