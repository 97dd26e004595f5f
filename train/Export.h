// Hands a trained model to the runtime: checkpoint -> dw::ModelWeights -> `.dwm` model file
// (model/ModelFile.h), FP32 or INT8.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace dw::train {

// At INT8, with `calibration` token streams (the training files), the weights are rounded with GPTQ
// against the inputs the model sees on them (model/Calibration.h); without, to the nearest level.
void export_model(const std::filesystem::path& checkpoint, const std::filesystem::path& out, bool int8,
                  std::span<const std::vector<int32_t>> calibration = {});

}  // namespace dw::train
