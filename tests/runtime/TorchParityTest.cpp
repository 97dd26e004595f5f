// The runtime against libtorch itself: the same random weights loaded into torch::nn::LSTM (b_ih = b,
// b_hh = 0) and the predicted-embedding head written with torch ops. Built only with DOTWISE_WITH_TORCH;
// the runtime library under test still never links torch.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "runtime/Session.h"

namespace dw {
namespace {

torch::Tensor tensor(const std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}

torch::Tensor torch_logits(const ModelWeights& w, const std::vector<int32_t>& ids) {
  torch::NoGradGuard no_grad;
  const auto& c = w.cfg;
  auto lstm = torch::nn::LSTM(torch::nn::LSTMOptions(c.dx, c.dh).num_layers(c.layers));
  auto params = lstm->named_parameters();
  for (uint32_t l = 0; l < c.layers; ++l) {
    auto s = std::to_string(l);
    int64_t in = l == 0 ? c.dx : c.dh;
    params["weight_ih_l" + s].copy_(tensor(w.lstm[l].w_ih, {4 * int64_t(c.dh), in}));
    params["weight_hh_l" + s].copy_(tensor(w.lstm[l].w_hh, {4 * int64_t(c.dh), int64_t(c.dh)}));
    params["bias_ih_l" + s].copy_(tensor(w.lstm[l].b, {4 * int64_t(c.dh)}));
    params["bias_hh_l" + s].zero_();
  }
  auto E = tensor(w.embedding, {int64_t(c.rows()), int64_t(c.dx)});
  std::vector<int64_t> idx(ids.begin(), ids.end());
  auto x = E.index_select(0, torch::tensor(idx)).unsqueeze(1);  // [T, 1, dx]
  auto out = lstm->forward(x);
  auto h = std::get<0>(std::get<1>(out))[c.layers - 1][0];  // [dh]
  auto l = torch::matmul(tensor(w.proj_w, {int64_t(c.dx), int64_t(c.dh)}), h) + tensor(w.proj_b, {int64_t(c.dx)});
  return torch::matmul(E, l) + tensor(w.out_b, {int64_t(c.rows())});
}

TEST(TorchParity, Fp32RuntimeEqualsLibtorchWithin1e4) {
  for (const ModelConfig& cfg : {ModelConfig{.vocab_size = 2000, .max_oov = 20, .dx = 150, .dh = 100, .layers = 2},
                                 ModelConfig{.vocab_size = 301, .max_oov = 7, .dx = 37, .dh = 29, .layers = 3}}) {
    ModelWeights w = random_weights(cfg, {.seed = 21, .embedding_scale = 1.0f, .bias_zipf = 0.2f});
    Model m(ModelFile::from_bytes(serialize_model(w, Quant::kFp32)));
    std::mt19937_64 rng(8);
    std::uniform_int_distribution<int32_t> tok(0, int32_t(cfg.rows()) - 1);
    std::vector<int32_t> all(cfg.rows());
    for (uint32_t i = 0; i < cfg.rows(); ++i) all[i] = int32_t(i);
    for (size_t n : {1, 5, 64, 200}) {
      std::vector<int32_t> ids(n);
      for (auto& x : ids) x = tok(rng);
      Session s(m);
      s.set_context(ids);
      std::vector<float> ours(cfg.rows());
      s.score(all, ours);
      auto ref = torch_logits(w, ids);
      auto acc = ref.accessor<float, 1>();
      float worst = 0;
      for (uint32_t i = 0; i < cfg.rows(); ++i) worst = std::max(worst, std::fabs(ours[i] - acc[i]));
      EXPECT_LT(worst, 1e-4) << "dx=" << cfg.dx << " n=" << n;
    }
  }
}

}  // namespace
}  // namespace dw
