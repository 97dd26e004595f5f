// One training run: data in, checkpoints/metrics/plot out. Works the same in one process or as one
// rank of a data-parallel group (see Distributed.h); only rank 0 writes files or draws progress.
// RUN/ holds: checkpoint.dwc (latest: every cfg.checkpoint_minutes and at each epoch end), best.dwc
// (best validation MRR), metrics.jsonl, curves.png, config.json, summary.json.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "corpus/Vocab.h"
#include "train/Config.h"
#include "train/Dataset.h"
#include "train/Distributed.h"
#include "train/Model.h"

namespace dw::train {

struct TrainOptions {
  std::filesystem::path data, out;
  TrainConfig cfg;
  // Continue from RUN/checkpoint.dwc. The model, data and optimizer settings come from the checkpoint;
  // epochs, patience, max_steps, checkpoint_minutes, log_every and threads from cfg.
  bool resume = false;
  // Start from these weights (fine-tuning): a checkpoint (.dwc) or a model file (.dwm, FP32 or INT8).
  // The architecture and the vocabulary come from it. With a .dwm the run ends by exporting
  // RUN/model.dwm, quantized like the init model unless export_fp32. When DATA is a source tree rather
  // than extracted data, it is extracted into RUN/data first (train/ProjectData.h).
  std::filesystem::path init;
  bool export_fp32 = false;
  std::optional<Vocab> vocab;  // instead of DATA/vocab.tsv (tune rebuilds it with other min_counts)
  bool quiet = false;          // no progress bar
  bool plot = true;
};

struct EvalStats {
  uint64_t sites = 0, unk = 0;  // unk: the true member is <unk> (counted as a miss)
  double rr_sum = 0, top1 = 0, top5 = 0, nll_sum = 0;
  double mrr() const { return sites ? rr_sum / double(sites) : 0; }
};

struct TrainResult {
  double best_mrr = -1, last_mrr = -1, last_top1 = 0, last_train_loss = 0;
  uint32_t best_epoch = 0, epochs_done = 0;
  uint64_t steps = 0, tokens = 0, params = 0;
  double seconds = 0, tokens_per_s = 0;
  bool early_stopped = false, interrupted = false;  // interrupted: stopped by max_steps
  // Fine-tuning (--init): the validation split before any step and at the best epoch (epoch 0 = no
  // epoch beat the init model, whose weights are then kept); the data used; the exported model.
  EvalStats before, best;
  std::filesystem::path data, exported;
};

TrainResult run_training(const TrainOptions& opts, Comm& comm);

// Streams `d` through the model (no dropout), `lanes` files side by side; with a group, each rank
// takes its share of lanes and the statistics are summed over ranks.
EvalStats evaluate(Model& m, const Dataset& d, uint32_t lanes, uint32_t T, Comm& comm);

// Where a split lives: the configured name, else the usual alternatives (valid/validation/val).
std::string find_split(const std::filesystem::path& data, const std::string& wanted);

}  // namespace dw::train
