// Fine-tuning on one source tree: `dotwise train --init MODEL PROJECT_DIR -o RUN` turns the project's
// Python files into training data with the model's vocabulary. The corpus rules (corpus/Corpus.h:
// vendored, generated, data-like, duplicate files are skipped) pick the files; a stable share of them,
// chosen by a hash of the relative path, is held out as `valid` (early stopping and the before/after
// numbers); the rest is `train`. RUN/data/ then holds what `dotwise extract` writes (train-*.dws,
// valid-*.dws, vocab.tsv = the model's vocabulary, stats.json) plus split.tsv (which file went where)
// and skipped.tsv (files the corpus rules left out, and why).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "corpus/Vocab.h"

namespace dw::train {

inline constexpr uint32_t kHeldOutPercent = 20;
inline constexpr uint32_t kProjectBatch = 16;  // default lanes when fine-tuning on a source tree
// Default learning rate and epochs there: on two unseen Debian projects, 0.002 moved the shipped
// model off its optimum within an epoch (no gain on one), 3e-4 improved validation MRR at every
// one of 4 epochs on both (+.05 and +.13 MRR).
inline constexpr float kProjectLr = 3e-4f;
inline constexpr uint32_t kProjectEpochs = 4;

// Neither shards nor a vocab.tsv: a directory of code rather than `dotwise extract` output.
bool is_source_tree(const std::filesystem::path& dir);

// The hold-out rule: hash64(relpath) % 100 < percent. Depends on the path alone, so adding or
// removing other files never moves a file between train and valid.
bool held_out(std::string_view relpath, uint32_t percent = kHeldOutPercent);

struct ProjectData {
  uint64_t train_files = 0, valid_files = 0, skipped_files = 0;
  uint64_t train_sites = 0, valid_sites = 0;
};

// Extracts `project` into `out` (replacing earlier shards there) with `vocab`. Throws when the
// project has no usable Python file.
ProjectData prepare_project(const std::filesystem::path& project, const Vocab& vocab, const std::filesystem::path& out,
                            unsigned threads, uint32_t percent = kHeldOutPercent);

}  // namespace dw::train
