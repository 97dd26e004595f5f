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

// The hand-written, chunked softmax gradient is the same function as autograd's cross_entropy: the
// same loss, the same accuracy and the same gradient in every parameter, with the auxiliary loss on,
// whether the rows fit one chunk or each row is its own.
TEST(Model, ChunkedSoftmaxMatchesAutograd) {
  for (std::string arch : {"pred-emb", "fc"}) {
    for (int64_t chunk : {1, 256}) {
      ModelShape s{arch, 10, 2, 6, 5, 2};
      Model ref(s, 3), fast(s, 3);
      ref.set_softmax_chunk(0);
      fast.set_softmax_chunk(chunk);
      auto b = tiny_batch();
      b.site_index = {3, 8, 1};
      b.site_target = {5, 9, 5};
      b.next_target = {3, 4, 5, 6, -1, 3, 4, 11, 6, -1};
      StepStats a, c;
      for (int step = 0; step < 2; ++step) {  // the second step also checks accumulation
        a = ref.train_step(b, 0, 0.5f, 1);
        c = fast.train_step(b, 0, 0.5f, 1);
      }
      EXPECT_NEAR(a.loss_sum, c.loss_sum, 1e-4) << arch;
      EXPECT_NEAR(a.aux_sum, c.aux_sum, 1e-4) << arch;
      EXPECT_EQ(a.sites, c.sites);
      EXPECT_EQ(a.correct, c.correct);
      EXPECT_EQ(a.aux_n, c.aux_n);
      double worst = 0, norm = 0;
      for (size_t i = 0; i < ref.n_params(); ++i) {
        worst = std::max(worst, double(std::abs(ref.grads()[i] - fast.grads()[i])));
        norm = std::max(norm, double(std::abs(ref.grads()[i])));
      }
      EXPECT_GT(norm, 1e-3) << arch;
      EXPECT_LT(worst, 1e-5 * std::max(1.0, norm)) << arch << " chunk " << chunk;
    }
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
