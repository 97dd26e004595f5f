// The starting point of a fine-tuning run (`--init`): a training checkpoint (.dwc) or a runtime model
// file (.dwm, FP32 or INT8), told apart by their magic bytes, not by the file name. Either way the run
// takes the architecture and the vocabulary from it, so the weights keep their meaning.
#pragma once
#include <filesystem>
#include <vector>

#include "corpus/Vocab.h"
#include "model/ModelFile.h"
#include "train/Model.h"

namespace dw::train {

struct InitModel {
  ModelShape shape;
  Vocab vocab;
  bool model_file = false;     // a .dwm: `weights` is set; else a checkpoint: `params` is set
  Quant quant = Quant::kFp32;  // of the model file (INT8 weights are dequantized into `weights`)
  std::vector<float> params;
  ModelWeights weights;

  void apply(Model& m) const;  // copies the weights into `m` (same shape)
};

bool is_model_file(const std::filesystem::path& p);   // starts with the .dwm magic
InitModel load_init(const std::filesystem::path& p);  // throws FormatError / std::runtime_error

}  // namespace dw::train
