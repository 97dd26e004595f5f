// Everything needed to continue a run exactly where it stopped: config, vocabulary, parameters,
// Adam moments, the data position (epoch + step; the schedule is a pure function of them) and the
// recurrent state of every lane. Dropout masks are seeded from (seed, step, rank), so no RNG state
// needs saving. Binary, little-endian, checksummed; written atomically (temp + rename).
//   "DWCKPT\0\0" | u32 version | u64 payload bytes | u64 payload hash | payload
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "corpus/Vocab.h"
#include "train/Config.h"
#include "train/Model.h"

namespace dw::train {

inline constexpr uint32_t kCheckpointVersion = 1;

struct Progress0 {
  uint32_t epoch = 0;          // current epoch (0-based)
  uint64_t step_in_epoch = 0;  // next step to run within it
  uint64_t global_step = 0;    // optimizer steps taken so far
  uint64_t tokens_seen = 0;    // global, all ranks
  double best_mrr = -1;
  uint32_t best_epoch = 0, bad_epochs = 0;
  bool finished = false;
};

struct Checkpoint {
  TrainConfig cfg;
  ModelShape shape;
  Progress0 pos;
  uint32_t world = 1;                     // processes of the run (lane state covers all of them)
  std::vector<std::string> vocab_tokens;  // the vocabulary, id order, with its counts
  std::vector<uint64_t> vocab_counts, vocab_member_counts;
  uint64_t vocab_min_count = 0;
  uint64_t adam_t = 0;
  std::vector<float> params, adam_m, adam_v, lane_state;
};

void set_vocab(Checkpoint& c, const Vocab& v);
Vocab checkpoint_vocab(const Checkpoint& c);

void save_checkpoint(const std::filesystem::path& p, const Checkpoint& c);  // atomic
// Throws FormatError on a damaged or foreign file. params_only skips the optimizer state.
Checkpoint load_checkpoint(const std::filesystem::path& p, bool params_only = false);

}  // namespace dw::train
