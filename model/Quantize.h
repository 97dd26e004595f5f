// Post-training INT8 quantization of weight matrices. The model file uses symmetric per-row scales
// (w ~= scale[r] * q, q in [-127, 127]): each output row keeps its own range, so a few large rows do
// not flatten the others. The paper's deployed scheme (one affine min/max range per layer) is kept
// here only as fake quantization, to compare the two on the same model.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/Calibration.h"
#include "model/Weights.h"

namespace dw {

struct QuantizedRows {
  std::vector<int8_t> q;     // [rows x cols]
  std::vector<float> scale;  // [rows]
};

QuantizedRows quantize_rows(std::span<const float> w, size_t rows, size_t cols);
std::vector<float> dequantize_rows(const QuantizedRows& q, size_t cols);

// The same grid (each row's scale from its max|w|), but the rows are rounded input by input, each
// weight's rounding error pushed onto the weights of the inputs not rounded yet in the proportions
// that minimize the row's output error over inputs with second moments `m` (GPTQ: Frantar et al.,
// "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers", 2023).
// `damp` (times the mean input energy) is added to the diagonal: it keeps the solve stable and the
// weights of inputs the calibration never saw close to plain rounding. Falls back to quantize_rows
// if the moments are unusable (no samples, or not positive definite even after damping).
QuantizedRows quantize_rows_gptq(std::span<const float> w, size_t rows, size_t cols, const InputMoments& m,
                                 double damp = 0.01);

// Every weight matrix of a model at INT8, as the model file stores them: plain rounding, or with a
// calibration, GPTQ on each matrix against its own input's moments.
struct Int8Weights {
  QuantizedRows embedding, proj_w;
  std::vector<QuantizedRows> w_ih, w_hh;
};
Int8Weights quantize_model(const ModelWeights& w, const Calibration* cal = nullptr);
// The weights as the INT8 runtime sees them (for comparing schemes with the FP32 runtime).
ModelWeights dequantize_model(const ModelWeights& w, const Int8Weights& q);

// Paper-style: one [min, max] range per tensor mapped onto 256 levels (with a zero point); returns
// the weights as the runtime would see them after dequantization.
std::vector<float> fake_quantize_minmax(std::span<const float> w);

enum class QuantScheme { kPerRow, kPerLayerMinMax };
// The FP32 model with every weight matrix replaced by its quantize-dequantize round trip (biases
// untouched), so both schemes can be evaluated with the FP32 runtime.
ModelWeights fake_quantize(const ModelWeights& w, QuantScheme s);

}  // namespace dw
