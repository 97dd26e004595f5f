// `dotwise export MODEL.dwm [--int8|--fp32] -o OUT.dwm` re-encodes a model file (e.g. the FP32 file
// `dotwise-train export` writes, quantized to INT8); `--onnx OUT.onnx` writes the same model as an
// ONNX graph for ONNX Runtime. Both work from a .dwm, so this binary never needs libtorch.
#include <fmt/core.h>

#include <filesystem>

#include "cli/Commands.h"
#include "model/ModelFile.h"
#include "model/Onnx.h"

namespace dw::cli {

void add_export(CLI::App& app) {
  struct Opts {
    std::string model, out, onnx;
    bool int8 = false, fp32 = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("export", "Re-encode a .dwm model (FP32 or INT8) or export it to ONNX");
  sub->add_option("model", o->model, "input model file (.dwm)")->required()->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->out, "write a .dwm here");
  sub->add_flag("--int8", o->int8, "quantize to INT8 (per-row scales)");
  sub->add_flag("--fp32", o->fp32, "store FP32 (an INT8 input stays at INT8 precision)");
  sub->add_option("--onnx", o->onnx, "write an ONNX graph (FP32) here");
  sub->callback([o] {
    if (o->int8 && o->fp32) throw CLI::ValidationError("--int8 and --fp32 exclude each other");
    if (o->out.empty() && o->onnx.empty())
      throw CLI::ValidationError("nothing to do: give -o OUT.dwm and/or --onnx OUT.onnx");
    ModelFile in = ModelFile::open(o->model);
    const auto& c = in.config();
    fmt::print("{}: {} model, V={} (+{} OOV slots), dx={}, dh={}, {} layers, {} members, {} bytes\n", o->model,
               quant_name(in.quant()), c.vocab_size, c.max_oov, c.dx, c.dh, c.layers, in.member_ids().size(),
               in.file_size());
    ModelWeights w = in.to_weights();
    if (!o->out.empty()) {
      Quant q = o->int8 ? Quant::kInt8 : o->fp32 ? Quant::kFp32 : in.quant();
      write_model(o->out, w, q, in.member_ids());
      fmt::print("wrote {} ({}, {} bytes)\n", o->out, quant_name(q), std::filesystem::file_size(o->out));
    }
    if (!o->onnx.empty()) {
      write_onnx(o->onnx, w);
      fmt::print("wrote {} (ONNX opset 13, FP32, {} bytes; checked with onnx::checker)\n", o->onnx,
                 std::filesystem::file_size(o->onnx));
    }
  });
}

}  // namespace dw::cli
