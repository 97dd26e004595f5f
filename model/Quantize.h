// Post-training INT8 quantization of weight matrices. The model file uses symmetric per-row scales
// (w ~= scale[r] * q, q in [-127, 127]): each output row keeps its own range, so a few large rows do
// not flatten the others. The paper's deployed scheme (one affine min/max range per layer) is kept
// here only as fake quantization, to compare the two on the same model.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/Weights.h"

namespace dw {

struct QuantizedRows {
  std::vector<int8_t> q;     // [rows x cols]
  std::vector<float> scale;  // [rows]
};

QuantizedRows quantize_rows(std::span<const float> w, size_t rows, size_t cols);
std::vector<float> dequantize_rows(const QuantizedRows& q, size_t cols);

// Paper-style: one [min, max] range per tensor mapped onto 256 levels (with a zero point); returns
// the weights as the runtime would see them after dequantization.
std::vector<float> fake_quantize_minmax(std::span<const float> w);

enum class QuantScheme { kPerRow, kPerLayerMinMax };
// The FP32 model with every weight matrix replaced by its quantize-dequantize round trip (biases
// untouched), so both schemes can be evaluated with the FP32 runtime.
ModelWeights fake_quantize(const ModelWeights& w, QuantScheme s);

}  // namespace dw
