// `dotwise-onnx MODEL.dwm OUT.onnx`: the model as an ONNX graph (model/Onnx.h). Its own binary, as
// `dotwise-ranker` is for XGBoost: libonnx and libprotobuf add ~3.8 MB of RSS to any process that
// loads them, and `dotwise serve` must not carry that. `dotwise export --onnx` runs this.
#include <fmt/core.h>

#include <exception>
#include <filesystem>

#include "model/ModelFile.h"
#include "model/Onnx.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: {} MODEL.dwm OUT.onnx\n", argv[0]);
    return 2;
  }
  try {
    dw::write_onnx(argv[2], dw::ModelFile::open(argv[1]).to_weights());
    fmt::print("wrote {} (ONNX opset 13, FP32, {} bytes; checked with onnx::checker)\n", argv[2],
               std::filesystem::file_size(argv[2]));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "dotwise-onnx: {}\n", e.what());
    return 1;
  }
}
