// Hands a trained model to the runtime: checkpoint -> dw::ModelWeights -> `.dwm` model file
// (model/ModelFile.h), FP32 or INT8.
#pragma once
#include <filesystem>

namespace dw::train {

void export_model(const std::filesystem::path& checkpoint, const std::filesystem::path& out, bool int8);

}  // namespace dw::train
