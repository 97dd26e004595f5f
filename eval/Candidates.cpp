#include "eval/Candidates.h"

#include <algorithm>

namespace dw {

std::unique_ptr<CandidateList> CandidateLists::make(std::vector<std::string> names) const {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  auto l = std::make_unique<CandidateList>();
  l->names = std::move(names);
  l->cands.reserve(l->names.size());
  for (uint32_t i = 0; i < l->names.size(); ++i) {
    int32_t id = vocab_.id(l->names[i]);
    l->cands.push_back({l->names[i], id});
    l->index.emplace(l->names[i], i);
    if (id < 0) l->no_id.push_back(i);
  }
  return l;
}

CandidateLists::CandidateLists(const Vocab& vocab, const BaselineStats* stats, StubMembers stubs)
    : vocab_(vocab), stats_(stats), stubs_(std::move(stubs)) {
  std::vector<std::string> names;
  for (int32_t id : vocab.member_ids()) names.emplace_back(vocab.token(id));
  vocab_list_ = std::move(*make(std::move(names)));
  // `index` holds string keys, so moving the list kept them valid; the views in `cands` point into
  // `names`, whose buffers moved with the vector.
  by_vocab_id_.assign(vocab.size(), -1);
  for (size_t i = 0; i < vocab_list_.cands.size(); ++i) by_vocab_id_[size_t(vocab_list_.cands[i].id)] = int32_t(i);
}

const CandidateList& CandidateLists::typed(std::string_view cls) {
  {
    std::lock_guard lk(mu_);
    auto it = typed_.find(cls);
    if (it != typed_.end()) return *it->second;
  }
  std::vector<std::string> names;
  if (stubs_) names = stubs_(cls);
  if (stats_)
    for (const auto& e : stats_->by_class(stats_->key_id(cls))) names.push_back(stats_->member_name(e.member));
  auto list = make(std::move(names));
  std::lock_guard lk(mu_);
  auto [it, fresh] = typed_.try_emplace(std::string(cls), std::move(list));
  return *it->second;
}

}  // namespace dw
