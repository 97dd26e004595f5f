#include "model/RandomWeights.h"

#include <cmath>
#include <random>
#include <string>

namespace dw {

ModelWeights random_weights(const ModelConfig& cfg, RandomModelOptions opt) {
  std::mt19937_64 rng(opt.seed);
  const float k = 1.0f / std::sqrt(float(cfg.dh));
  std::uniform_real_distribution<float> lstm_init(-k, k);
  std::normal_distribution<float> emb(0.0f, opt.embedding_scale);
  auto fill = [&](std::vector<float>& v, size_t n, auto& dist) {
    v.resize(n);
    for (auto& x : v) x = dist(rng);
  };
  ModelWeights w;
  w.cfg = cfg;
  for (uint32_t i = 0; i < cfg.vocab_size; ++i)
    w.vocab.push_back(i == 0 ? "<pad>" : i == 1 ? "<unk>" : "tok" + std::to_string(i));
  fill(w.embedding, size_t(cfg.rows()) * cfg.dx, emb);
  for (uint32_t l = 0; l < cfg.layers; ++l) {
    LstmLayer layer;
    fill(layer.w_ih, size_t(4) * cfg.dh * (l == 0 ? cfg.dx : cfg.dh), lstm_init);
    fill(layer.w_hh, size_t(4) * cfg.dh * cfg.dh, lstm_init);
    fill(layer.b, size_t(4) * cfg.dh, lstm_init);
    w.lstm.push_back(std::move(layer));
  }
  std::uniform_real_distribution<float> proj_init(-k, k);
  fill(w.proj_w, size_t(cfg.dx) * cfg.dh, proj_init);
  fill(w.proj_b, cfg.dx, proj_init);
  w.out_b.resize(cfg.rows());
  for (uint32_t i = 0; i < cfg.rows(); ++i) w.out_b[i] = -opt.bias_zipf * std::log1p(float(i % cfg.vocab_size));
  return w;
}

}  // namespace dw
