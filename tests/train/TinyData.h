// Tiny synthetic training data for the trainer tests: Python-like token streams with one planted
// rule. Each file opens `obj` (`obj . open ( )`) and later closes it (`obj . close ( )`), with
// filler in between that contains other member accesses whose members are random (so only the
// rule, remembered across the filler and across BPTT chunks, makes `close` predictable).
#pragma once
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "corpus/Shard.h"
#include "corpus/Vocab.h"
#include "syntax/Extracted.h"
#include "train/Trainer.h"

namespace dw::train::testing {

inline ExtractedFile planted_file(std::mt19937_64& rng) {
  ExtractedFile f;
  StringInterner intern(f);
  auto tok = [&](std::string_view s) { f.tokens.push_back(intern(s)); };
  auto site = [&](std::string_view recv, std::string_view member) {
    tok(recv);
    tok(".");
    Site s;
    s.pos = uint32_t(f.tokens.size());
    s.receiver = intern(recv);
    s.flags = kSiteCall;
    f.sites.push_back(s);
    tok(member);
    tok("(");
    tok(")");
    tok("NEWLINE");
  };
  const char* members[] = {"append", "pop", "read", "write"};
  const char* names[] = {"a", "b", "c", "d", "e"};
  auto filler = [&](int n) {
    for (int i = 0; i < n; ++i) {
      if (rng() % 3 == 0) {
        site(names[rng() % 5], members[rng() % 4]);
      } else {
        tok(names[rng() % 5]);
        tok("=");
        tok(rng() % 2 ? "NUM" : "STR");
        tok("NEWLINE");
      }
    }
  };
  tok("def");
  tok("f");
  tok("(");
  tok(")");
  tok(":");
  filler(int(rng() % 4));
  site("obj", "open");
  filler(2 + int(rng() % 8));
  site("obj", "close");
  filler(int(rng() % 4));
  return f;
}

inline std::vector<ShardFile> planted_files(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<ShardFile> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({"proj" + std::to_string(i % 7), "f" + std::to_string(i) + ".py", planted_file(rng)});
  return out;
}

// Writes DIR/train-00000.dws, DIR/valid-00000.dws and DIR/vocab.tsv.
inline void write_planted_data(const std::filesystem::path& dir, size_t n_train, size_t n_valid, uint64_t seed = 1) {
  std::filesystem::create_directories(dir);
  auto train = planted_files(n_train, seed);
  auto valid = planted_files(n_valid, seed + 1000);
  write_shard(dir / "train-00000.dws", train);
  write_shard(dir / "valid-00000.dws", valid);
  VocabCounter c;
  for (const auto& f : train) c.add(f.data);
  Vocab::build(c.counts(), 1, 8).save(dir / "vocab.tsv");
}

// One single-process training run, silent and without plots.
inline TrainResult run_quietly(const std::filesystem::path& data, const std::filesystem::path& out,
                               const TrainConfig& c, bool resume = false, const std::filesystem::path& init = {}) {
  TrainOptions o;
  o.data = data;
  o.out = out;
  o.cfg = c;
  o.resume = resume;
  o.init = init;
  o.quiet = true;
  o.plot = false;
  Comm single;
  return run_training(o, single);
}

}  // namespace dw::train::testing
