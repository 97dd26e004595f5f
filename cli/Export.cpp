// `dotwise export MODEL.dwm [--int8|--fp32] -o OUT.dwm` re-encodes a model file (e.g. the FP32 file
// `dotwise-train export` writes, quantized to INT8); `--onnx OUT.onnx` writes the same model as an
// ONNX graph for ONNX Runtime, by running `dotwise-onnx` from this binary's directory (libonnx stays
// out of this binary, which also serves). Both work from a .dwm, so this binary never needs libtorch.
// `--calibrate DIR` rounds the INT8 weights with GPTQ against the inputs the model sees on the Python
// files under DIR (model/Calibration.h), instead of to the nearest level.
#include <fmt/core.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "cli/Commands.h"
#include "corpus/Corpus.h"
#include "corpus/Vocab.h"
#include "model/Calibration.h"
#include "model/ModelFile.h"
#include "model/Quantize.h"
#include "rank/ModelRanker.h"
#include "support/FileIO.h"
#include "support/Hash.h"
#include "syntax/Extractor.h"
#include "syntax/Typeshed.h"

namespace dw::cli {

namespace {

// Runs `dotwise-onnx MODEL OUT` from the directory of this executable; its output goes to ours.
void run_onnx_export(const std::string& model, const std::string& out) {
  const auto exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "dotwise-onnx";
  if (!std::filesystem::exists(exe)) throw std::runtime_error(exe.string() + " not found: the ONNX export needs it");
  std::string a0 = exe.string(), a1 = model, a2 = out;
  char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
  pid_t pid = 0;
  if (int e = ::posix_spawn(&pid, a0.c_str(), nullptr, nullptr, argv, environ); e != 0)
    throw std::runtime_error("cannot run " + a0 + ": " + std::strerror(e));
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) throw std::runtime_error("the ONNX export failed (" + a0 + ")");
}

// The token streams of the Python files under `dir` that the corpus rules keep (corpus/Corpus.h: as
// for training and fine-tuning, vendored, generated, data-like and duplicate files are left out), until
// `max_tokens`; every file left out is counted and reported. Files are taken in the order of a hash of
// their relative path: the same order on every file system, and when the limit stops early, a sample
// from all over the tree rather than its alphabetical start.
std::vector<std::vector<int32_t>> calibration_streams(const std::filesystem::path& dir, const ModelFile& model,
                                                      uint64_t max_tokens) {
  CorpusOptions co;
  co.threads = std::max(1u, std::thread::hardware_concurrency());
  CorpusResult corpus = build_corpus({{"calibration", std::filesystem::weakly_canonical(dir)}}, co);
  std::map<std::string, size_t> skipped;
  for (const auto& f : corpus.skipped) ++skipped[std::string(corpus_skip_name(f.reason))];
  auto& files = corpus.entries;
  auto key = [](const ManifestEntry& e) { return std::pair(hash64(e.relpath), std::string_view(e.relpath)); };
  std::sort(files.begin(), files.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  const Vocab vocab = model_vocab(model);
  TypeshedIndex stubs(TypeshedIndex::default_roots());
  Extractor ex(stubs);
  std::vector<std::vector<int32_t>> streams;
  uint64_t tokens = 0;
  size_t read = 0;
  for (const auto& f : files) {
    if (tokens >= max_tokens) break;
    ++read;
    auto rd = read_file(f.path, co.max_bytes);  // it may have grown since the corpus rules looked
    if (!rd.error.empty()) {
      ++skipped["unreadable"];
      continue;
    }
    auto r = ex.extract(rd.data);
    if (r.skip != Skip::None) {
      ++skipped[skip_name(r.skip)];
      continue;
    }
    streams.push_back(encode(vocab, r.file).ids);
    tokens += streams.back().size();
  }
  std::string why;
  for (const auto& [k, n] : skipped) why += fmt::format("{}{} {}", why.empty() ? " (skipped: " : ", ", n, k);
  if (!why.empty()) why += ")";
  fmt::print("calibration: {} of {} Python files under {} ({} tokens){}{}\n", streams.size(),
             corpus.skipped.size() + read, dir.string(), tokens, why,
             read < files.size() ? fmt::format("; the token limit left {} more unread", files.size() - read) : "");
  if (streams.empty()) throw std::runtime_error("calibration: no usable Python file under " + dir.string());
  return streams;
}

}  // namespace

void add_export(CLI::App& app) {
  struct Opts {
    std::string model, out, onnx, calibrate;
    uint64_t calibration_tokens = kCalibrationTokens;
    bool int8 = false, fp32 = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("export", "Re-encode a .dwm model (FP32 or INT8) or export it to ONNX");
  sub->add_option("model", o->model, "input model file (.dwm)")->required()->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->out, "write a .dwm here");
  sub->add_flag("--int8", o->int8, "quantize to INT8 (per-row scales)");
  sub->add_flag("--fp32", o->fp32, "store FP32 (an INT8 input stays at INT8 precision)");
  sub->add_option("--onnx", o->onnx, "write an ONNX graph (FP32) here");
  sub->add_option("--calibrate", o->calibrate,
                  "with --int8: round with GPTQ against the inputs seen on the Python files under this directory")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--calibration-tokens", o->calibration_tokens, "tokens of calibration code to use at most")
      ->check(CLI::PositiveNumber);
  sub->callback([o, sub] {
    if (o->int8 && o->fp32) throw CLI::ValidationError("--int8 and --fp32 exclude each other");
    if (!o->calibrate.empty() && !o->int8) throw CLI::ValidationError("--calibrate needs --int8");
    if (o->calibrate.empty() && sub->count("--calibration-tokens"))
      throw CLI::ValidationError("--calibration-tokens needs --calibrate");
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
      if (!o->calibrate.empty()) {
        if (in.quant() == Quant::kInt8)
          fmt::print(stderr, "warning: {} is already INT8: calibrating cannot recover what its rounding lost\n",
                     o->model);
        const auto streams = calibration_streams(o->calibrate, in, o->calibration_tokens);
        const Calibration cal = calibrate(w, streams, 150, o->calibration_tokens);
        const Int8Weights int8 = quantize_model(w, &cal);
        write_model(o->out, w, q, in.member_ids(), &int8);
      } else {
        write_model(o->out, w, q, in.member_ids());
      }
      fmt::print("wrote {} ({}, {} bytes)\n", o->out, quant_name(q), std::filesystem::file_size(o->out));
    }
    if (!o->onnx.empty()) {
      std::fflush(stdout);  // before the child's lines
      run_onnx_export(o->model, o->onnx);
    }
  });
}

}  // namespace dw::cli
