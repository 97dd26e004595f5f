// A loaded model ready to run: the validated model file (weights used in place from the mapping)
// plus the kernel table for this CPU. Immutable and shareable; per-document state lives in Session.
#pragma once
#include <filesystem>
#include <span>

#include "model/ModelFile.h"
#include "runtime/Kernels.h"

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
  // `checkpoints + (pos / every) * state_size()` (pass every = 0 for none). `scratch` is reused.
  void run(std::span<const int32_t> ids, float* state, size_t first_pos, size_t every, float* checkpoints,
           std::vector<float>& scratch) const;
  size_t state_size() const { return size_t(2) * config().layers * config().dh; }

  // The predicted embedding l = P h + p from the top layer's hidden state.
  void predict(const float* h_top, float* l) const;
  // Logit of one id given l: E[id] . l + out_b[id]; -inf for an id outside the model.
  float logit(const float* l, int32_t id) const;

 private:
  ModelFile file_;
  const Kernels* k_;
};

}  // namespace dw
