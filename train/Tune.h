// `dotwise-train tune`: random hyper-parameter search (as the Pythia authors did) over learning rate,
// sizes, dropout, T_RNN and the vocabulary's min-count, each trial a short training run under the
// same budget (cfg.epochs / cfg.max_steps), ranked by validation MRR. RUN/trial-NN/ holds each run,
// RUN/tune.json the table; the winner is the trial with the best validation MRR.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "train/Trainer.h"

namespace dw::train {

struct TuneOptions {
  std::filesystem::path data, out;
  TrainConfig base;  // fixed settings and the per-trial budget
  uint32_t trials = 8;
  uint64_t seed = 1;
  bool quiet = false;
  bool keep_size = false;   // dx and dh stay the base's (the runtime's size)
  bool keep_vocab = false;  // every trial uses DATA/vocab.tsv (min-count chosen beforehand, on the full split)
};

struct Trial {
  uint32_t id = 0;
  TrainConfig cfg;
  uint64_t min_count = 0;
  TrainResult result;
  std::string error;
};

// Draws trial i's settings: a pure function of (seed, i), so a search can be extended or repeated.
TrainConfig sample_trial(const TrainConfig& base, uint64_t seed, uint32_t i, uint64_t& min_count,
                         uint64_t base_min_count, bool keep_size = false);

std::vector<Trial> run_tune(const TuneOptions& o, Comm& comm);
// Index of the best trial (highest validation MRR), or -1 when none finished.
int best_trial(const std::vector<Trial>& t);
std::string format_trials(const std::vector<Trial>& t);

}  // namespace dw::train
