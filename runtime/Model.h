// A loaded model ready to run: the validated model file, the kernel table for this CPU and the LSTM
// and projection weights repacked for that table (runtime/Packed.h); the embedding and output bias
// are used in place from the mapping. Immutable and shareable; per-document state lives in Session.
#pragma once
#include <filesystem>
#include <span>

#include "model/ModelFile.h"
#include "runtime/Kernels.h"
#include "runtime/Packed.h"

namespace dw {

class Model {
 public:
  explicit Model(ModelFile file, const Kernels& k = best_kernels());
  static Model open(const std::filesystem::path& p) { return Model(ModelFile::open(p)); }

  const ModelFile& file() const { return file_; }
  const ModelConfig& config() const { return file_.config(); }
  const Kernels& kernels() const { return *k_; }
  bool valid_id(int32_t id) const { return id >= 0 && uint32_t(id) < file_.config().rows(); }

  // Runs `ids` through the LSTM starting from `state` ([layers][h, c] x dh), updating it. After every
  // token whose 1-based position `first_pos + t + 1` is a multiple of `every`, the state is copied to
  // `checkpoints + (pos / every) * state_size()` (pass every = 0 for none). Safe to call from several
  // threads at once.
  void run(std::span<const int32_t> ids, float* state, size_t first_pos, size_t every, float* checkpoints) const;
  size_t state_size() const { return size_t(2) * config().layers * config().dh; }

  // The predicted embedding l = P h + p from the top layer's hidden state. `l` holds
  // predicted_size() floats (dx rounded up to the kernels' lanes); the first dx are l.
  void predict(const float* h_top, float* l) const;
  size_t predicted_size() const { return proj_.G; }
  // Logit of one id given l: E[id] . l + out_b[id]; -inf for an id outside the model.
  float logit(const float* l, int32_t id) const;
  // The same for many ids at once (with INT8 weights l is quantized once: Kernels::dots_i8).
  void logits(const float* l, std::span<const int32_t> ids, float* out) const;

 private:
  struct Layer {
    PackedMatrix w_ih, w_hh;
    AlignedVector<float> b;
  };
  ModelFile file_;
  const Kernels* k_;
  size_t hp_;  // dh padded to the kernels' lanes
  std::vector<Layer> layers_;
  PackedMatrix proj_;
  AlignedVector<float> proj_b_;
  size_t n_precomputed_ = 0;              // ids [0, n_precomputed_) have their layer-0 gate input precomputed
  AlignedVector<float> precomputed_;      // [n_precomputed_ x 4*hp_]
  void embed(size_t id, float* x) const;  // E[id] as FP32
};

}  // namespace dw
