// Random weights of a given size, for tests and benchmarks before (or besides) a trained model.
// "Trained-ish": LSTM weights at PyTorch's init scale, and an output bias that falls off like the
// log of a Zipf frequency, as a trained model's does, so the top of the ranking is not a coin toss.
#pragma once
#include <cstdint>

#include "model/Weights.h"

namespace dw {

struct RandomModelOptions {
  uint64_t seed = 1;
  float embedding_scale = 0.3f;  // embedding ~ N(0, scale^2)
  float bias_zipf = 1.0f;        // out_b[id] = -bias_zipf * log(1 + id): lower ids are more frequent
};

ModelWeights random_weights(const ModelConfig& cfg, RandomModelOptions opt = {});

}  // namespace dw
