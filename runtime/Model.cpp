#include "runtime/Model.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace dw {

namespace {
// Tokens embedded and pushed through each layer's input projection together: one pass over W_ih
// serves the whole chunk, and its gate pre-activations (chunk x 4*dh floats) still fit in L2.
constexpr size_t kChunk = 64;
// Ids whose layer-0 gate input W_ih E[id] + b is computed once at load (vocabulary ids are ordered
// by frequency, and code is Zipfian, so these cover most tokens): the same kernel on the same row
// gives the same bits as computing it per token. Costs kPrecomputedIds x 4*dh floats (0.9 MB at dh=100).
// bench/runtime_latency (1,000 stdlib contexts, 2-core VM, p50 of a cold 1,000-token run): no
// precomputed rows 6.6-7.1 ms, 256 5.0-6.2, 512 5.2-5.9, 1024 5.4-5.7: 512 rows give back 0.85 MB of
// the server's RSS for no measurable time.
constexpr size_t kPrecomputedIds = 512;

void gemm(const Kernels& k, const PackedMatrix& w, const float* bias, const float* X, size_t xs, size_t T, float* Y) {
  if (w.quantized())
    k.gemm_i8(w.w8.data(), w.scale.data(), w.K, w.G, bias, X, xs, T, Y);
  else
    k.gemm_f32(w.f32.data(), w.K, w.G, bias, X, xs, T, Y);
}

void lstm_step(const Kernels& k, const PackedMatrix& w, const float* gx, const float* h_in, float* c, float* h_out) {
  if (w.quantized())
    k.lstm_step_i8(w.w8.data(), w.scale.data(), w.K, w.G / 4, gx, h_in, c, h_out);
  else
    k.lstm_step_f32(w.f32.data(), w.K, w.G / 4, gx, h_in, c, h_out);
}
}  // namespace

Model::Model(ModelFile file, const Kernels& k) : file_(std::move(file)), k_(&k) {
  const auto& c = config();
  hp_ = round_up(c.dh, k.lanes);
  for (const auto& L : file_.lstm())
    layers_.push_back({pack_gates(L.w_ih, c.dh, k.lanes, GateLayout::kInputMajor),
                       pack_gates(L.w_hh, c.dh, k.lanes, GateLayout::kGroupMajor),
                       pack_gate_vector(L.b, c.dh, k.lanes)});
  proj_ = pack_rows(file_.proj_w(), k.lanes);
  proj_b_ = pad_vector(file_.proj_b(), c.dx, k.lanes);

  n_precomputed_ = std::min<size_t>(kPrecomputedIds, c.rows());
  const size_t G = 4 * hp_;
  precomputed_.resize(n_precomputed_ * G);
  std::vector<float> emb(kChunk * c.dx);
  for (size_t r0 = 0; r0 < n_precomputed_; r0 += kChunk) {
    const size_t n = std::min(kChunk, n_precomputed_ - r0);
    for (size_t r = 0; r < n; ++r) embed(r0 + r, emb.data() + r * c.dx);
    gemm(k, layers_[0].w_ih, layers_[0].b.data(), emb.data(), c.dx, n, precomputed_.data() + r0 * G);
  }
}

void Model::embed(size_t id, float* x) const {
  const TensorView& E = file_.embedding();
  const size_t dx = config().dx;
  if (E.quantized())
    for (size_t j = 0; j < dx; ++j) x[j] = E.scale[id] * float(E.i8[id * dx + j]);
  else
    std::memcpy(x, E.f32 + id * dx, dx * sizeof(float));
}

void Model::run(std::span<const int32_t> ids, float* state, size_t first_pos, size_t every, float* checkpoints) const {
  const auto& c = config();
  const size_t dx = c.dx, dh = c.dh, hp = hp_, G = 4 * hp, layers = c.layers;
  for (int32_t id : ids)
    if (!valid_id(id))
      throw std::invalid_argument("token id " + std::to_string(id) + " outside the model's " +
                                  std::to_string(c.rows()) + " rows");
  // One buffer per calling thread, not per document: a run needs it only while it lasts.
  thread_local std::vector<float> scratch;
  // emb [chunk x dx] | y[2] [chunk x hp] (layer outputs, alternating) | gx [chunk x G] | h, c [layers x hp]
  const size_t chunk = std::min(kChunk, ids.size());
  scratch.resize(chunk * (dx + 2 * hp + G) + 2 * layers * hp);
  float* emb = scratch.data();
  float* ys[2] = {emb + chunk * dx, emb + chunk * (dx + hp)};
  float* gx = ys[1] + chunk * hp;
  float* hs = gx + chunk * G;
  float* cs = hs + layers * hp;
  std::fill(hs, cs + layers * hp, 0.0f);
  for (size_t l = 0; l < layers; ++l) {  // the kernels work on padded state; the padding stays 0
    std::memcpy(hs + l * hp, state + l * 2 * dh, dh * sizeof(float));
    std::memcpy(cs + l * hp, state + l * 2 * dh + dh, dh * sizeof(float));
  }
  const float* rows[kChunk];  // each token's gate input row (bias + W_ih x) for the current layer

  for (size_t s = 0; s < ids.size(); s += chunk) {
    const size_t m = std::min(chunk, ids.size() - s);
    size_t computed = 0;  // layer 0: only ids without a precomputed row go through the GEMM
    for (size_t t = 0; t < m; ++t) {
      const size_t id = size_t(ids[s + t]);
      if (id < n_precomputed_) {
        rows[t] = precomputed_.data() + id * G;
      } else {
        embed(id, emb + computed * dx);
        rows[t] = gx + computed++ * G;
      }
    }
    if (computed) gemm(*k_, layers_[0].w_ih, layers_[0].b.data(), emb, dx, computed, gx);
    for (size_t l = 0; l < layers; ++l) {
      const Layer& L = layers_[l];
      if (l > 0) {  // the whole chunk at once; only W_hh h is sequential
        gemm(*k_, L.w_ih, L.b.data(), ys[(l - 1) % 2], hp, m, gx);
        for (size_t t = 0; t < m; ++t) rows[t] = gx + t * G;
      }
      float* y = ys[l % 2];
      float* h = hs + l * hp;
      float* cell = cs + l * hp;
      for (size_t t = 0; t < m; ++t) {
        lstm_step(*k_, L.w_hh, rows[t], t == 0 ? h : y + (t - 1) * hp, cell, y + t * hp);
        size_t pos = first_pos + s + t + 1;
        if (every && pos % every == 0) {
          float* dst = checkpoints + (pos / every) * state_size() + l * 2 * dh;
          std::memcpy(dst, y + t * hp, dh * sizeof(float));
          std::memcpy(dst + dh, cell, dh * sizeof(float));
        }
      }
      std::memcpy(h, y + (m - 1) * hp, hp * sizeof(float));
    }
  }
  for (size_t l = 0; l < layers; ++l) {
    std::memcpy(state + l * 2 * dh, hs + l * hp, dh * sizeof(float));
    std::memcpy(state + l * 2 * dh + dh, cs + l * hp, dh * sizeof(float));
  }
}

void Model::predict(const float* h_top, float* l) const { gemm(*k_, proj_, proj_b_.data(), h_top, config().dh, 1, l); }

void Model::logits(const float* l, std::span<const int32_t> ids, float* out) const {
  const TensorView& E = file_.embedding();
  const size_t dx = config().dx;
  const float* b = file_.out_b();
  if (std::all_of(ids.begin(), ids.end(), [&](int32_t id) { return valid_id(id); }) && E.quantized()) {
    k_->dots_i8(E.i8, dx, E.rows, ids.data(), ids.size(), l, out);
    for (size_t i = 0; i < ids.size(); ++i) out[i] = E.scale[ids[i]] * out[i] + b[ids[i]];
    return;
  }
  for (size_t i = 0; i < ids.size(); ++i) out[i] = logit(l, ids[i]);
}

float Model::logit(const float* l, int32_t id) const {
  if (!valid_id(id)) return -std::numeric_limits<float>::infinity();
  const TensorView& E = file_.embedding();
  const size_t dx = config().dx, r = size_t(id);
  float d = E.quantized() ? E.scale[r] * k_->dot_i8(E.i8 + r * dx, l, dx) : k_->dot_f32(E.f32 + r * dx, l, dx);
  return d + file_.out_b()[r];
}

}  // namespace dw
