#include "rank/ModelRanker.h"

#include <stdexcept>
#include <unordered_map>

#include "support/BinaryIO.h"

namespace dw {

ModelRanker::ModelRanker(const Model& model, std::string name, size_t lookback, std::shared_ptr<const Vocab> own_vocab)
    : model_(model), name_(std::move(name)), lookback_(lookback), session_(model), own_vocab_(std::move(own_vocab)) {}

void ModelRanker::begin_file(const EncodedFile& enc, const ExtractedFile& src) {
  own_oov_.clear();
  if (own_vocab_) {
    EncodedFile own = encode(*own_vocab_, src);
    ids_ = std::move(own.ids);
    for (size_t k = 0; k < own.oov.size(); ++k)
      own_oov_.emplace(std::move(own.oov[k]), int32_t(own_vocab_->size() + k));
  } else {
    ids_ = enc.ids;
  }
  // An id the model cannot embed (a vocabulary mismatch the caller did not check) becomes <unk>.
  for (auto& id : ids_)
    if (!model_.valid_id(id)) id = Vocab::kUnk;
  site_pos_.clear();
  for (const auto& s : src.sites) site_pos_.push_back(s.pos);
  session_.reset();
}

void ModelRanker::score(size_t site_index, std::span<const Candidate> cands, std::span<float> out) {
  size_t end = std::min<size_t>(site_pos_.at(site_index), ids_.size());
  size_t begin = lookback_ && end > lookback_ ? end - lookback_ : 0;
  session_.set_context(std::span<const int32_t>(ids_).subspan(begin, end - begin));
  cand_ids_.clear();
  for (const auto& c : cands) {  // -1 (unknown) scores -inf: ranked last
    if (!own_vocab_) {
      cand_ids_.push_back(c.id);
      continue;
    }
    int32_t id = own_vocab_->id(c.name);
    if (id < 2) {  // not a vocabulary member (<pad>/<unk> never are): the model's per-file OOV slot, if any
      auto it = own_oov_.find(std::string(c.name));
      id = it != own_oov_.end() ? it->second : -1;
    }
    cand_ids_.push_back(id);
  }
  session_.score(cand_ids_, out);
}

Vocab model_vocab(const ModelFile& f) {
  const auto& toks = f.vocab();
  std::vector<uint8_t> member(toks.size(), 0);
  for (int32_t id : f.member_ids())
    if (id >= 0 && size_t(id) < toks.size()) member[size_t(id)] = 1;
  try {
    return Vocab::ordered(toks, member, f.config().max_oov);
  } catch (const FormatError& e) {
    throw std::runtime_error(std::string("model ") + e.what());
  }
}

void check_model_vocab(const ModelFile& model, const Vocab& vocab) {
  const auto& c = model.config();
  if (c.vocab_size != vocab.size() || c.max_oov != vocab.max_oov())
    throw std::runtime_error("model vocabulary (" + std::to_string(c.vocab_size) + " + " + std::to_string(c.max_oov) +
                             " OOV) does not match the corpus vocabulary (" + std::to_string(vocab.size()) + " + " +
                             std::to_string(vocab.max_oov()) + ")");
  for (uint32_t i = 0; i < c.vocab_size; ++i)
    if (model.token(int32_t(i)) != vocab.token(int32_t(i)))
      throw std::runtime_error("model vocabulary differs from the corpus vocabulary at id " + std::to_string(i) +
                               ": '" + std::string(model.token(int32_t(i))) + "' vs '" +
                               std::string(vocab.token(int32_t(i))) + "'");
}

}  // namespace dw
