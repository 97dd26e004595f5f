// The trained model as plain arrays: what the trainer hands over and what the model file stores.
// Architecture (Pythia's deployed model): embedding E [(V+K) x dx] -> L-layer LSTM (dh) ->
// projection P [dx x dh] + p -> logits = E * (P h + p) + out_bias  (tied, "predicted embedding").
// LSTM gates are in PyTorch order (i, f, g, o); b = b_ih + b_hh.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dw {

struct ModelConfig {
  uint32_t vocab_size = 0;  // V, specials included (ids [0, V))
  uint32_t max_oov = 0;     // K per-file OOV slots (ids [V, V+K)), each with its own learned row
  uint32_t dx = 150, dh = 100, layers = 2;
  uint32_t rows() const { return vocab_size + max_oov; }
};

struct LstmLayer {
  std::vector<float> w_ih;  // [4*dh x input]   input = dx for layer 0, dh after
  std::vector<float> w_hh;  // [4*dh x dh]
  std::vector<float> b;     // [4*dh]
};

struct ModelWeights {
  ModelConfig cfg;
  std::vector<std::string> vocab;  // V tokens, id order (so the model file is self-contained)
  std::vector<float> embedding;    // [rows x dx], row-major
  std::vector<LstmLayer> lstm;
  std::vector<float> proj_w;       // [dx x dh]
  std::vector<float> proj_b;       // [dx]
  std::vector<float> out_b;        // [rows]
};

}  // namespace dw
