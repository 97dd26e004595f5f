// Training throughput (tokens/s, all processes together) of the default model on synthetic data:
// 1 thread, 2 threads, 2 processes x 1 thread, and 1 thread with glibc's default malloc settings or
// with OpenBLAS's own choice of kernels (train/Launcher.h: tune_blas).
//   train_throughput [--vocab 20000] [--steps 40] [--batch 64] [--bptt 100] [--data DIR]  -> one JSON object
// --data runs on real extracted shards (`dotwise extract` output: its train split and vocabulary)
// instead of the synthetic ones, whose site density (1 in 8 tokens) is above real code's (~1 in 14).
// Each configuration runs in a fresh process (threads and allocator are per process); tokens/s is
// the steady state: the last metric window (the first steps pay for warm-up) of a real training run.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "corpus/Shard.h"
#include "train/Distributed.h"
#include "train/Launcher.h"
#include "train/Trainer.h"

namespace fs = std::filesystem;
using namespace dw;

namespace {

// Zipf-like token ids over `vocab` words, a member-access site every ~8 tokens, files of ~1-4k tokens.
void write_data(const fs::path& dir, uint32_t vocab, uint32_t files) {
  fs::create_directories(dir);
  std::mt19937_64 rng(1);
  std::vector<ShardFile> out;
  VocabCounter counter;
  for (uint32_t i = 0; i < files; ++i) {
    ExtractedFile f;
    StringInterner in(f);
    uint32_t n = 1000 + uint32_t(rng() % 3000);
    for (uint32_t t = 0; t < n; ++t) {
      double u = double(rng() >> 11) / double(1ull << 53);
      auto id = uint32_t(std::pow(double(vocab), u)) % vocab;  // log-uniform: roughly Zipf
      f.tokens.push_back(in("w" + std::to_string(id)));
      if (t > 2 && rng() % 8 == 0) f.sites.push_back(Site{t, kNoString, kNoString, 0, 0, 0, 0});
    }
    counter.add(f);
    out.push_back({"p", "f" + std::to_string(i) + ".py", std::move(f)});
  }
  write_shard(dir / "train-00000.dws", out);
  Vocab::build(counter.counts(), 1, 256).save(dir / "vocab.tsv");
}

}  // namespace

int main(int argc, char** argv) {
  train::tune_blas(argv);
  train::tune_allocator();
  CLI::App app{"training throughput"};
  uint32_t vocab = 20000, steps = 40, batch = 64, bptt = 100, threads = 0, procs = 1, chunk = 256;
  std::string one, real;
  app.add_option("--vocab", vocab);
  app.add_option("--steps", steps);
  app.add_option("--batch", batch);
  app.add_option("--bptt", bptt);
  app.add_option("--threads", threads);
  app.add_option("--procs", procs);
  app.add_option("--softmax-chunk", chunk, "rows of site logits at once; 0 = through autograd");
  app.add_option("--data", real, "extracted data to train on instead of synthetic shards");
  app.add_option("--one", one, "internal: run one configuration writing into this directory");
  CLI11_PARSE(app, argc, argv);

  if (!one.empty()) {  // a single configuration (possibly one rank of several)
    if (procs > 1 && !train::in_group()) return train::launch_local(procs, {argv + 1, argv + argc});
    auto comm = train::Comm::from_env();
    train::configure_threads(threads, procs);
    train::TrainOptions o;
    o.data = real.empty() ? fs::path(one) / "data" : fs::path(real);
    o.cfg.max_train_files = real.empty() ? 0 : batch * 8;  // spread over the split's projects
    o.cfg.max_valid_files = real.empty() ? 2000 : 1;
    o.out = fs::path(one) / ("run-" + std::to_string(procs) + "-" + std::to_string(threads));
    o.cfg.batch = batch / procs;  // same global batch in every configuration
    o.cfg.bptt = bptt;
    o.cfg.softmax_chunk = chunk;
    o.cfg.max_steps = steps;
    o.cfg.log_every = steps / 4;
    o.cfg.checkpoint_minutes = 0;
    o.quiet = true;
    o.plot = false;
    train::run_training(o, *comm);
    return 0;
  }

  auto dir = fs::temp_directory_path() / ("dw_bench_train_" + std::to_string(::getpid()));
  if (real.empty()) write_data(dir / "data", vocab, std::max(batch * 2, 128u));
  fs::create_directories(dir);
  auto exe = fs::read_symlink("/proc/self/exe").string();
  nlohmann::json res{{"model", {{"dx", 150}, {"dh", 100}, {"layers", 2}}},
                     {"data", real.empty() ? "synthetic" : real},
                     {"softmax_chunk", chunk},
                     {"batch_global", batch},
                     {"bptt", bptt},
                     {"steps", steps},
                     {"runs", nlohmann::json::array()}};
  struct Cfg {
    unsigned threads, procs;
    const char *malloc, *blas;
  };
  auto v = Vocab::load((real.empty() ? dir / "data" : fs::path(real)) / "vocab.tsv");
  res["model"]["rows"] = v.size() + v.max_oov();
  const std::string blas = std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "detected";
  res["blas_coretype"] = blas;
  for (Cfg c : {Cfg{1, 1, "tuned", "tuned"}, Cfg{2, 1, "tuned", "tuned"}, Cfg{1, 2, "tuned", "tuned"},
                Cfg{1, 1, "default", "tuned"}, Cfg{1, 1, "tuned", "default"}}) {
    // OpenBLAS's own choice of kernels: without the variable tune_blas() set in this process.
    const std::string env = std::string(c.blas) == "default" ? "env -u OPENBLAS_CORETYPE DOTWISE_BLAS=default " : "";
    auto cmd = fmt::format(
        "{}DOTWISE_MALLOC={} {} --one {} --threads {} --procs {} --steps {} --batch {} --bptt {} --softmax-chunk {}{}",
        env, c.malloc, exe, dir.string(), c.threads, c.procs, steps, batch, bptt, chunk,
        real.empty() ? "" : " --data " + real);
    if (std::system(cmd.c_str()) != 0) {
      fmt::print(stderr, "bench: failed: {}\n", cmd);
      return 1;
    }
    std::ifstream in(dir / fmt::format("run-{}-{}", c.procs, c.threads) / "metrics.jsonl");
    double last = 0;
    for (std::string line; std::getline(in, line);) last = nlohmann::json::parse(line).value("tokens_per_s", 0.0);
    res["runs"].push_back({{"threads", c.threads},
                           {"procs", c.procs},
                           {"malloc", c.malloc},
                           {"blas", c.blas},
                           {"tokens_per_s", std::round(last)}});
    fs::remove_all(dir / fmt::format("run-{}-{}", c.procs, c.threads));
  }
  auto& r = res["runs"];
  res["speedup_2threads"] = r[1]["tokens_per_s"].get<double>() / r[0]["tokens_per_s"].get<double>();
  res["speedup_2procs"] = r[2]["tokens_per_s"].get<double>() / r[0]["tokens_per_s"].get<double>();
  res["speedup_malloc_tuning"] = r[0]["tokens_per_s"].get<double>() / r[3]["tokens_per_s"].get<double>();
  res["speedup_blas_tuning"] = r[0]["tokens_per_s"].get<double>() / r[4]["tokens_per_s"].get<double>();
  fmt::print("{}\n", res.dump(2));
  fs::remove_all(dir);
  return 0;
}
