// The trainable network behind a torch-free interface (pimpl: only Model.cpp includes libtorch).
// All parameters live in one flat float buffer and so do their gradients: one allreduce, one clip,
// one optimizer loop and one checkpoint array cover the whole model.
//   pred-emb: E[rows x dx] -> L-layer LSTM(dh) -> P h + p -> logits = E (P h + p) + out_b   (tied)
//   fc:       E[rows x dx] -> L-layer LSTM(dh) -> logits = W h + out_b
// rows = V + max_oov: the output ranges over per-file OOV ids as well, so a member first seen
// earlier in the file can be predicted.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corpus/Vocab.h"
#include "model/Weights.h"
#include "train/Batcher.h"

namespace dw::train {

struct ModelShape {
  std::string arch = "pred-emb";
  uint32_t vocab_size = 0, max_oov = 0, dx = 150, dh = 100, layers = 2;
  uint32_t rows() const { return vocab_size + max_oov; }
  bool operator==(const ModelShape&) const = default;
};

struct StepStats {
  double loss_sum = 0;  // summed cross-entropy over learnable sites
  double aux_sum = 0;   // summed next-token cross-entropy (when the auxiliary loss is on)
  uint64_t sites = 0, correct = 0, aux_n = 0;
};

struct SiteScore {
  uint32_t rank = 0;  // 1-based rank of the true member among all rows; 0 when it is <unk> (a miss)
  float prob = 0;     // its softmax probability
};

class Model {
 public:
  Model(const ModelShape& shape, uint64_t seed);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelShape& shape() const;
  size_t n_params() const;
  float* params();
  float* grads();
  void zero_grads();

  // Forward + backward over one chunk, carrying the per-lane LSTM state; gradients of the summed
  // site loss (+ aux_weight * summed next-token loss) are added to grads(). rng_seed fixes dropout.
  StepStats train_step(const Batch& b, float dropout, float aux_weight, uint64_t rng_seed);
  // No dropout, no gradients; one score per batch site, in batch order. Carries state the same way.
  std::vector<SiteScore> eval_step(const Batch& b);

  // The recurrent state of every lane ([layers x lanes x dh] for h, then for c): checkpointed so
  // that a resumed run continues mid-file exactly.
  std::vector<float> state() const;
  void set_state(const std::vector<float>& s, uint32_t lanes);

  ModelWeights to_weights(const Vocab& v) const;  // pred-emb only
  // The inverse of to_weights (pred-emb only; sizes must match shape()): to_weights stores b_ih + b_hh
  // as one bias, so it all goes to b_ih and b_hh starts at zero — the same function, fine-tunable.
  void set_weights(const ModelWeights& w);
  static void set_threads(int n);
  // Rows of logits train_step holds at once (default 256); 0 computes the loss through autograd
  // instead, the slower reference the chunked gradient is tested against.
  void set_softmax_chunk(int64_t rows);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dw::train
