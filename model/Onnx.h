// The model as a standard ONNX graph (opset 13), for ONNX Runtime and any other ONNX consumer:
//   tokens int64[T] -> Gather(embedding) -> Unsqueeze -> LSTM x layers (Squeeze between) ->
//   last hidden state -> Gemm(projection) -> Gemm(embedding^T, out_b) -> logits float[1, V+K]
// Gates are reordered from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c); the bias goes into Wb with
// Rb = 0. INT8 models are exported dequantized (FP32). Checked with onnx::checker before writing.
#pragma once
#include <filesystem>
#include <string>

#include "model/Weights.h"

namespace dw {

std::string onnx_model_bytes(const ModelWeights& w);  // throws std::runtime_error if the checker rejects it
void write_onnx(const std::filesystem::path& p, const ModelWeights& w);  // atomic

}  // namespace dw
