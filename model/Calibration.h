// What INT8 quantization can learn from real code before it rounds: the second moments E[x x^T] of
// each weight matrix's input (token embeddings into layer 0, the hidden states into the next layer and
// back into the same layer, the top hidden state into the projection, the predicted embedding into the
// output scores), from the FP32 model run over token streams. model/Quantize.h uses them to round
// each row so that its error is small where the inputs actually lie (GPTQ), not only weight by weight.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/Weights.h"

namespace dw {

struct InputMoments {
  size_t dim = 0;
  uint64_t count = 0;
  // [dim x dim], summed x x^T. add() fills the lower triangle (column <= row) only, calibrate()
  // mirrors it when done, and quantize_rows_gptq reads only the lower triangle.
  std::vector<double> xx;
  explicit InputMoments(size_t n = 0) : dim(n), xx(n * n) {}
  void add(const float* x);
};

struct Calibration {
  std::vector<InputMoments> w_ih, w_hh;  // per layer
  InputMoments proj, embedding;          // the embedding as the output matrix: its input is l
  uint64_t tokens = 0;
};

// Enough for the moments to settle (81k tokens already gave GPTQ its gain in tests/runtime/Int8Test);
// about 9 s of calibration.
inline constexpr uint64_t kCalibrationTokens = 200'000;

// Runs the FP32 model over each stream from a zero state that is reset every `window` tokens (the
// server runs windows of the last 150-214 tokens), up to `max_tokens` in all. Ids outside the model
// are skipped.
Calibration calibrate(const ModelWeights& w, std::span<const std::vector<int32_t>> streams, size_t window = 150,
                      uint64_t max_tokens = kCalibrationTokens);

}  // namespace dw
