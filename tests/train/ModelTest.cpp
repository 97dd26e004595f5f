#include <gtest/gtest.h>

#include <cmath>

#include "train/Model.h"
#include "train/Optimizer.h"

namespace dw::train {
namespace {

Batch tiny_batch() {
  Batch b;
  b.T = 5;
  b.B = 2;
  b.input = {2, 3, 4, 5, 6, 7, 2, 3, 4, 5};
  b.reset = {1, 1};
  b.site_index = {3, 8};
  b.site_target = {5, 9};
  b.tokens = 10;
  return b;
}

// Every parameter block takes part: a gradient that never reaches the LSTM (or the tied embedding)
// would still let the loss fall a little, so check where the gradient lands.
TEST(Model, GradientsReachEveryParameter) {
  for (std::string arch : {"pred-emb", "fc"}) {
    ModelShape s{arch, 10, 2, 6, 5, 2};
    Model m(s, 3);
    StepStats st;
    for (int step = 0; step < 3; ++step) {  // autograd must keep accumulating into the flat buffer
      m.zero_grads();
      st = m.train_step(tiny_batch(), 0, 0, 1);
    }
    EXPECT_EQ(st.sites, 2u);
    size_t zero = 0;
    for (size_t i = 0; i < m.n_params(); ++i) zero += m.grads()[i] == 0.f;
    // Embedding rows of tokens never input still get output gradients (pred-emb); fc leaves them 0.
    EXPECT_LT(double(zero) / double(m.n_params()), arch == "fc" ? 0.35 : 0.05) << arch;
  }
}

TEST(Model, StateCarriesAcrossChunksAndResets) {
  ModelShape s{"pred-emb", 10, 2, 6, 5, 2};
  Model m(s, 3);
  auto b = tiny_batch();
  auto first = m.eval_step(b);
  b.reset = {0, 0};
  auto carried = m.eval_step(b);
  b.reset = {1, 1};
  auto again = m.eval_step(b);
  EXPECT_NE(first[0].prob, carried[0].prob);  // state from the previous chunk changes the prediction
  EXPECT_EQ(first[0].prob, again[0].prob);    // a reset makes it a fresh file again
}

// The torch parameters view the flat buffer: writing params() (as Adam does) changes the model.
TEST(Model, ParamsBufferIsTheModel) {
  ModelShape s{"pred-emb", 10, 2, 6, 5, 2};
  Model m(s, 3);
  auto b = tiny_batch();
  auto before = m.eval_step(b);
  for (size_t i = 0; i < m.n_params(); ++i) m.params()[i] *= 0.5f;
  auto after = m.eval_step(b);
  EXPECT_NE(before[0].prob, after[0].prob);
}

// The whole path (autograd into the flat gradient buffer, Adam on the flat parameters) can drive the
// loss of one batch to ~0, and keeps doing so after the first step.
TEST(Model, OverfitsOneBatch) {
  for (std::string arch : {"pred-emb", "fc"}) {
    ModelShape s{arch, 10, 2, 8, 16, 2};
    Model m(s, 3);
    Adam adam(m.n_params());
    double first = 0, last = 0;
    for (int i = 0; i < 150; ++i) {
      m.zero_grads();
      auto b = tiny_batch();
      auto st = m.train_step(b, 0, 0, 1);
      if (i == 0) first = st.loss_sum;
      last = st.loss_sum;
      scale(m.grads(), m.n_params(), 0.5f);
      adam.step(m.params(), m.grads(), 0.01f);
    }
    EXPECT_LT(last, 0.05 * first) << arch << " first " << first << " last " << last;
  }
}

}  // namespace
}  // namespace dw::train
