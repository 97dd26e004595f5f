// `dotwise_fuzz_seeds OUT FILE.py...`: seed corpora built from real inputs with the real writers:
//   OUT/extract/  the Python files themselves
//   OUT/shard/    shards of those files' extractions (one file, several files, empty)
//   OUT/model/    small random-weight models, FP32 and INT8, with and without member lists
//   OUT/index/    small projects: consecutive files joined by NUL bytes (fuzz/IndexEntry.cpp)
//   OUT/lsp/      client sessions: initialize, didOpen of a file, edits, completions at its member
//                 accesses, shutdown, exit — framed exactly as an editor sends them
#include <fmt/core.h>

#include <filesystem>

#include "corpus/Shard.h"
#include "lsp/Protocol.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"

namespace fs = std::filesystem;
using dw::lsp::Json;

namespace {
void put(const fs::path& dir, const std::string& name, std::string_view bytes) {
  fs::create_directories(dir);
  dw::write_file_atomic(dir / name, bytes);
}

std::string frame(const Json& j) {
  std::string body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A session that opens `text`, completes at its first few member accesses, edits, and exits.
std::string session(const std::string& text, const dw::ExtractedFile& f, size_t max_sites) {
  const std::string uri = "file:///fuzz/input.py";
  std::string s =
      frame({{"jsonrpc", "2.0"},
             {"id", 1},
             {"method", "initialize"},
             {"params",
              {{"processId", nullptr},
               {"rootUri", nullptr},
               {"capabilities",
                {{"textDocument", {{"completion", {{"completionItem", {{"labelDetailsSupport", true}}}}}}}}}}}});
  s += frame({{"jsonrpc", "2.0"}, {"method", "initialized"}, {"params", Json::object()}});
  s +=
      frame({{"jsonrpc", "2.0"},
             {"method", "textDocument/didOpen"},
             {"params", {{"textDocument", {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}}}});
  int id = 2;
  for (size_t i = 0; i < f.sites.size() && i < max_sites; ++i) {
    const auto& site = f.sites[i];
    s += frame(
        {{"jsonrpc", "2.0"},
         {"id", id++},
         {"method", "textDocument/completion"},
         {"params", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", site.line}, {"character", site.col}}}}}});
  }
  s += frame({{"jsonrpc", "2.0"},
              {"method", "textDocument/didChange"},
              {"params",
               {{"textDocument", {{"uri", uri}, {"version", 2}}},
                {"contentChanges",
                 {{{"range", {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}}},
                   {"text", "import os\nos.path.\n"}}}}}}});
  s += frame({{"jsonrpc", "2.0"},
              {"id", id++},
              {"method", "textDocument/completion"},
              {"params", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 1}, {"character", 8}}}}}});
  s += frame({{"jsonrpc", "2.0"}, {"id", id++}, {"method", "shutdown"}});
  s += frame({{"jsonrpc", "2.0"}, {"method", "exit"}});
  return s;
}

void models(const fs::path& dir) {
  std::vector<std::string> vocab = {"<pad>", "<unk>", ".", "(", ")", "self", "os", "path", "join", "upper", "append"};
  int n = 0;
  for (uint32_t layers : {1u, 2u})
    for (auto q : {dw::Quant::kFp32, dw::Quant::kInt8})
      for (bool with_members : {false, true}) {
        dw::ModelConfig cfg;
        cfg.vocab_size = uint32_t(vocab.size());
        cfg.max_oov = 2;
        cfg.dx = 4;
        cfg.dh = 3;
        cfg.layers = layers;
        dw::RandomModelOptions ro;
        ro.seed = uint64_t(++n);
        dw::ModelWeights w = dw::random_weights(cfg, ro);
        w.vocab = vocab;
        std::vector<int32_t> members;
        if (with_members) members = {7, 8, 9, 10};
        put(dir, fmt::format("model-{}.dwm", n), dw::serialize_model(w, q, members));
      }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: {} OUT FILE.py...\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  dw::TypeshedIndex stubs(dw::TypeshedIndex::default_roots());
  dw::Extractor extractor(stubs);
  std::vector<dw::ShardFile> all;
  std::string project;  // the small files so far, NUL-separated: one index seed per 3
  size_t files = 0, projects = 0;
  for (int i = 2; i < argc; ++i) {
    auto rd = dw::read_file(argv[i], 1u << 20);
    if (!rd.error.empty()) continue;
    auto r = extractor.extract(rd.data);
    const std::string name = fmt::format("{:03}-{}", i - 2, fs::path(argv[i]).filename().string());
    put(out / "extract", name, rd.data);
    if (r.skip != dw::Skip::None) continue;
    ++files;
    dw::ShardFile sf{"seed", fs::path(argv[i]).filename().string(), std::move(r.file)};
    // Small seeds mutate faster: shards of one file, and of a few files together.
    put(out / "shard", name + ".dws", dw::encode_shard({sf}));
    if (rd.data.size() < 4096) put(out / "lsp", name + ".lsp", session(rd.data, sf.data, 8));
    if (rd.data.size() < 2048) {
      project += rd.data;
      if (files % 3 == 0)
        put(out / "index", fmt::format("project-{:03}", projects++), project), project.clear();
      else
        project.push_back('\0');
    }
    if (all.size() < 4) all.push_back(std::move(sf));
  }
  put(out / "shard", "empty.dws", dw::encode_shard({}));
  put(out / "shard", "several.dws", dw::encode_shard(all));
  models(out / "model");
  fmt::print("{} files extracted into seeds under {}\n", files, out.string());
  return 0;
}
