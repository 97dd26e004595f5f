// Everything a training run is configured by. Stored (as JSON) in every checkpoint, so `--resume`
// continues with the settings the run started with and `export` knows the architecture.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dw::train {

struct TrainConfig {
  // Model. arch: "pred-emb" (Pythia's deployed model: tied input/output embedding) or "fc" (LSTM + FC softmax).
  std::string arch = "pred-emb";
  uint32_t dx = 150, dh = 100, layers = 2;
  float dropout = 0.2f;  // the paper's keep probability 0.8

  // Data and batching: `batch` lanes (files side by side) per process, truncated BPTT of `bptt` tokens.
  uint32_t batch = 64, bptt = 100;
  std::string train_split = "train", valid_split = "valid";
  uint64_t max_train_files = 0;  // 0 = all; caps data for quick runs
  uint64_t max_valid_files = 2000;
  // Which files a cap keeps: "spread" (evenly over the split, so over its projects) or "first" (the
  // first N in shard order, i.e. a few projects: how stage 1 of models/default.dwm was trained).
  std::string file_pick = "spread";

  // Optimisation (paper: Adam, lr 0.002, decay 0.97 per epoch, warm-up scaled by the number of workers).
  float lr = 0.002f, lr_decay = 0.97f, clip = 10.0f;
  uint32_t warmup_epochs = 4;
  bool lr_scale_workers = true;  // target lr = lr * world size, reached linearly over the warm-up
  float aux_weight = 0.0f;       // weight of an auxiliary next-token loss at every position (0 = off)

  // Schedule.
  uint32_t epochs = 10, patience = 3;  // early stopping: epochs without validation-MRR improvement
  uint64_t max_steps = 0;              // stop after this many optimizer steps in total (0 = no limit)
  double max_minutes = 0;              // this leg stops (with a checkpoint) after so many minutes (0 = no limit)
  uint64_t valid_every_tokens = 0;     // also validate every so many training tokens (0 = at epoch ends only)
  uint64_t seed = 1;
  double checkpoint_minutes = 10;
  uint32_t log_every = 50;       // steps between metric lines
  uint32_t threads = 0;          // intra-op threads per process (0 = cores / processes)
  uint32_t softmax_chunk = 256;  // rows of site logits held at once (0 = through autograd, ~0.5 GB a step)
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, arch, dx, dh, layers, dropout, batch, bptt, train_split,
                                                valid_split, max_train_files, max_valid_files, file_pick, lr, lr_decay,
                                                clip, warmup_epochs, lr_scale_workers, aux_weight, epochs, patience,
                                                max_steps, max_minutes, valid_every_tokens, seed, checkpoint_minutes,
                                                log_every, threads, softmax_chunk)

}  // namespace dw::train
