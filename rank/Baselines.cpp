#include "rank/Baselines.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace dw {
namespace {

// A candidate list mapped onto BaselineStats member ids. Evaluation passes the same vocabulary-wide
// list (tens of thousands of names) at every site and one stable list per class, so bindings are
// cached by the list's address; the names' addresses are checked too, in case the storage was reused.
class Binding {
 public:
  Binding(const BaselineStats& stats, std::span<const Candidate> cands) : data_(cands.data()), size_(cands.size()) {
    if (!cands.empty()) first_ = cands.front().name.data(), last_ = cands.back().name.data();
    base_.resize(cands.size());
    bool dense = cands.size() > 4096;
    if (dense) dense_.assign(stats.n_members(), -1);
    for (size_t i = 0; i < cands.size(); ++i) {
      int32_t m = stats.member_id(cands[i].name);
      base_[i] = m < 0 ? 0.f : float(stats.global_level(uint32_t(m)));
      if (m < 0) continue;
      if (dense)
        dense_[size_t(m)] = int32_t(i);
      else
        sparse_[uint32_t(m)] = uint32_t(i);
    }
  }
  bool matches(std::span<const Candidate> c) const {
    return c.data() == data_ && c.size() == size_ &&
           (c.empty() || (c.front().name.data() == first_ && c.back().name.data() == last_));
  }
  int32_t index_of(uint32_t member) const {
    if (!dense_.empty()) return dense_[member];
    auto it = sparse_.find(member);
    return it == sparse_.end() ? -1 : int32_t(it->second);
  }
  const std::vector<float>& base() const { return base_; }

 private:
  const Candidate* data_;
  size_t size_;
  const char *first_ = nullptr, *last_ = nullptr;
  std::vector<float> base_;  // the member's global frequency level, 0 when never seen
  std::vector<int32_t> dense_;
  std::unordered_map<uint32_t, uint32_t> sparse_;
};

class AlphabeticRanker final : public Ranker {
 public:
  std::string name() const override { return "alphabetic"; }
  void score(size_t, std::span<const Candidate>, std::span<float> out) override {
    std::fill(out.begin(), out.end(), 0.f);
  }
};

enum class Model { Frequency, FrequencyIf, Markov };

class CountRanker final : public Ranker {
 public:
  CountRanker(const BaselineStats& s, Model m) : stats_(s), model_(m) {}

  std::string name() const override {
    switch (model_) {
      case Model::Frequency:
        return "frequency";
      case Model::FrequencyIf:
        return "frequency-if";
      case Model::Markov:
        return "markov";
    }
    return "?";
  }

  void begin_file(const EncodedFile&, const ExtractedFile& src) override {
    src_ = &src;
    key_.assign(src.sites.size(), -1);
    prev_.assign(src.sites.size(), -1);
    std::unordered_map<uint64_t, int32_t> last;  // (key, scope) -> last member accessed there
    for (size_t i = 0; i < src.sites.size(); ++i) {
      const Site& s = src.sites[i];
      key_[i] = stats_.key_id(class_key(src, s));
      if (key_[i] < 0 || s.pos >= src.tokens.size()) continue;
      auto& slot = last.try_emplace((uint64_t(uint32_t(key_[i])) << 32) | s.scope, -1).first->second;
      prev_[i] = slot;
      slot = stats_.member_id(src.member(s));
    }
  }

  void score(size_t i, std::span<const Candidate> cands, std::span<float> out) override {
    const Binding& b = bind(cands);
    std::copy(b.base().begin(), b.base().end(), out.begin());
    if (i >= key_.size()) return;  // no begin_file for this site: global frequency only
    float top = float(stats_.max_global_level());
    auto overlay = [&](std::span<const RankedMember> list) {
      for (const auto& e : list) {
        int32_t at = b.index_of(e.member);
        if (at >= 0) out[size_t(at)] = top + float(e.level);
      }
      if (!list.empty()) top += float(list.front().level);
    };
    overlay(stats_.by_class(key_[i]));
    if (model_ == Model::FrequencyIf) overlay(stats_.by_class_if(key_[i], src_->sites[i].flags & kSiteInIf));
    if (model_ == Model::Markov) overlay(stats_.after(key_[i], prev_[i]));
  }

 private:
  const Binding& bind(std::span<const Candidate> cands) {
    auto it = cache_.find(cands.data());
    if (it != cache_.end() && it->second.matches(cands)) return it->second;
    if (cache_.size() > 4096) cache_.clear();
    return cache_.insert_or_assign(cands.data(), Binding(stats_, cands)).first->second;
  }

  const BaselineStats& stats_;
  Model model_;
  const ExtractedFile* src_ = nullptr;
  std::vector<int32_t> key_, prev_;  // per site: class key id, previous member on the key in the scope
  std::unordered_map<const Candidate*, Binding> cache_;
};

}  // namespace

const std::vector<std::string>& baseline_names() {
  static const std::vector<std::string> names{"alphabetic", "frequency", "frequency-if", "markov"};
  return names;
}

bool is_baseline(std::string_view name) {
  const auto& n = baseline_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

std::unique_ptr<Ranker> make_baseline(std::string_view name, const BaselineStats& stats) {
  if (name == "alphabetic") return std::make_unique<AlphabeticRanker>();
  if (name == "frequency") return std::make_unique<CountRanker>(stats, Model::Frequency);
  if (name == "frequency-if") return std::make_unique<CountRanker>(stats, Model::FrequencyIf);
  if (name == "markov") return std::make_unique<CountRanker>(stats, Model::Markov);
  throw std::invalid_argument("unknown ranker '" + std::string(name) +
                              "' (known: alphabetic, frequency, frequency-if, markov)");
}

}  // namespace dw
