// Stateful truncated-BPTT batching (as in the Pythia paper): every file is one token stream; files
// are laid side by side in `lanes`, each lane running its files one after another in chunks of T
// tokens. A chunk never spans two files, so the LSTM state is carried from chunk to chunk of a file
// and zeroed at a file's first chunk (reset), and whole chunks can go through the fused LSTM.
// The schedule is a pure function of (dataset, lanes, T, seed): a run resumes by asking for step s,
// and with P processes rank r takes lanes [r*B, (r+1)*B) of the same global schedule, so P processes
// with B lanes each see exactly the batches of one process with P*B lanes.
#pragma once
#include <cstdint>
#include <vector>

#include "train/Dataset.h"

namespace dw::train {

struct Batch {
  uint32_t T = 0, B = 0;
  std::vector<int64_t> input;        // [T*B] time-major (index t*B + b); 0 (<pad>) past a file's end
  std::vector<uint8_t> reset;        // [B] 1: the lane starts a new file here, zero its state first
  std::vector<int64_t> site_index;   // flat t*B+b of each output that predicts a site's member
  std::vector<int64_t> site_target;  // the member's id (may be Vocab::kUnk: counted, never learnable)
  std::vector<int64_t> next_target;  // [T*B] next token id or -1 (only when asked for: auxiliary loss)
  uint64_t tokens = 0;               // real (non-pad) input tokens
};

inline constexpr uint32_t kMaxPieceChunks = 64;

class Schedule {
 public:
  // Files are dealt to the lane with the fewest chunks so far. seed 0 deals whole files in file order
  // (validation). Otherwise files are cut into pieces of at most kMaxPieceChunks chunks, dealt longest
  // first (ties shuffled by seed), then each lane's pieces shuffled: lanes end within a piece.
  Schedule(const Dataset& d, uint32_t lanes, uint32_t T, uint64_t seed);
  uint64_t steps() const { return steps_; }
  uint32_t lanes() const { return uint32_t(lane_chunks_.size()); }
  uint64_t tokens() const { return tokens_; }
  Batch batch(uint64_t step, uint32_t lane_begin, uint32_t lane_end, bool with_next = false) const;

 private:
  struct Chunk {
    uint32_t file;
    uint32_t start;
    bool reset;  // the first chunk of its file or piece: the lane's state is zeroed before it
  };
  const Dataset& d_;
  uint32_t T_;
  uint64_t steps_ = 0, tokens_ = 0;
  std::vector<std::vector<Chunk>> lane_chunks_;
};

}  // namespace dw::train
