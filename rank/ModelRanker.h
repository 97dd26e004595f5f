// The neural ranker: the LSTM + predicted-embedding model (runtime/) behind the Ranker interface.
// A site's score for a candidate is the model's logit for the candidate's id after the file's tokens
// before the member (the "." included). Sites come in stream order, so with the default (no lookback
// limit) the session only appends tokens and every token of a file runs once; with `lookback` = T the
// context is the last T tokens (Pythia's serving setting, T = 100), which the cache cannot reuse.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "corpus/Vocab.h"
#include "rank/Ranker.h"
#include "runtime/Session.h"

namespace dw {

class ModelRanker : public Ranker {
 public:
  // `model` must outlive the ranker. With `own_vocab` (the model's, see model_vocab) the model may have
  // been trained on another vocabulary than the data's: each file is encoded again for it and candidates
  // are looked up by name, as `dotwise serve` does, so models of different vocabularies meet on the same
  // sites. Without it, the caller has checked that the vocabularies are the same (check_model_vocab).
  explicit ModelRanker(const Model& model, std::string name = "lstm", size_t lookback = 0,
                       std::shared_ptr<const Vocab> own_vocab = nullptr);
  std::string name() const override { return name_; }
  void begin_file(const EncodedFile& enc, const ExtractedFile& src) override;
  void score(size_t site_index, std::span<const Candidate> cands, std::span<float> out) override;

 private:
  const Model& model_;
  std::string name_;
  size_t lookback_;
  Session session_;
  std::vector<int32_t> ids_;
  std::vector<uint32_t> site_pos_;
  std::vector<int32_t> cand_ids_;
  std::shared_ptr<const Vocab> own_vocab_;
  std::unordered_map<std::string, int32_t> own_oov_;  // this file's OOV tokens -> the model's per-file ids
};

// The vocabulary a model file was trained with (its ids, member flags and OOV slots), so that code can
// be encoded for it without the corpus's vocab.tsv.
Vocab model_vocab(const ModelFile& model);

// Throws std::runtime_error unless `model` was trained on `vocab`: same size, same OOV slots, and the
// same token for every id (ids are only meaningful with the vocabulary they came from).
void check_model_vocab(const ModelFile& model, const Vocab& vocab);

}  // namespace dw
