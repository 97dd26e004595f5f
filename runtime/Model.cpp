#include "runtime/Model.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace dw {

namespace {
// Tokens embedded and pushed through each layer's input projection together: large enough that one
// pass over W_ih serves many tokens, small enough that the scratch stays in cache.
constexpr size_t kChunk = 32;

void matmul(const Kernels& k, const TensorView& w, const float* X, size_t T, float* Y) {
  if (w.quantized())
    k.matmul_i8(w.i8, w.scale, w.rows, w.cols, X, T, Y);
  else
    k.matmul_f32(w.f32, w.rows, w.cols, X, T, Y);
}
}  // namespace

Model::Model(ModelFile file, const Kernels& k) : file_(std::move(file)), k_(&k) {}

void Model::run(std::span<const int32_t> ids, float* state, size_t first_pos, size_t every, float* checkpoints,
                std::vector<float>& scratch) const {
  const auto& c = config();
  const size_t dx = c.dx, dh = c.dh, g4 = 4 * dh, width = std::max(dx, dh);
  for (int32_t id : ids)
    if (!valid_id(id))
      throw std::invalid_argument("token id " + std::to_string(id) + " outside the model's " +
                                  std::to_string(c.rows()) + " rows");
  scratch.resize(kChunk * (2 * width + g4));
  float* in = scratch.data();
  float* out = in + kChunk * width;
  float* gates = out + kChunk * width;
  const TensorView& E = file_.embedding();

  for (size_t s = 0; s < ids.size(); s += kChunk) {
    const size_t m = std::min(kChunk, ids.size() - s);
    for (size_t t = 0; t < m; ++t)
      for (size_t j = 0; j < dx; ++j) in[t * dx + j] = E.at(size_t(ids[s + t]), j);
    float* x = in;
    float* y = out;
    for (size_t l = 0; l < c.layers; ++l) {
      const auto& L = file_.lstm()[l];
      for (size_t t = 0; t < m; ++t) std::memcpy(gates + t * g4, L.b, g4 * sizeof(float));
      matmul(*k_, L.w_ih, x, m, gates);  // the whole chunk at once; only W_hh h is sequential
      float* h = state + l * 2 * dh;
      float* cell = h + dh;
      for (size_t t = 0; t < m; ++t) {
        float* g = gates + t * g4;
        matmul(*k_, L.w_hh, h, 1, g);
        k_->lstm_cell(g, cell, h, dh);
        std::memcpy(y + t * dh, h, dh * sizeof(float));
        size_t pos = first_pos + s + t + 1;
        if (every && pos % every == 0)
          std::memcpy(checkpoints + (pos / every) * state_size() + l * 2 * dh, h, 2 * dh * sizeof(float));
      }
      std::swap(x, y);
    }
  }
}

void Model::predict(const float* h_top, float* l) const {
  std::memcpy(l, file_.proj_b(), config().dx * sizeof(float));
  matmul(*k_, file_.proj_w(), h_top, 1, l);
}

float Model::logit(const float* l, int32_t id) const {
  if (!valid_id(id)) return -std::numeric_limits<float>::infinity();
  const TensorView& E = file_.embedding();
  const size_t dx = config().dx, r = size_t(id);
  float d = E.quantized() ? E.scale[r] * k_->dot_i8(E.i8 + r * dx, l, dx) : k_->dot_f32(E.f32 + r * dx, l, dx);
  return d + file_.out_b()[r];
}

}  // namespace dw
