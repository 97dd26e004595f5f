#include "train/Batcher.h"

#include <algorithm>
#include <numeric>
#include <queue>
#include <random>
#include <stdexcept>

namespace dw::train {

Schedule::Schedule(const Dataset& d, uint32_t lanes, uint32_t T, uint64_t seed) : d_(d), T_(T) {
  if (lanes == 0 || T == 0) throw std::invalid_argument("schedule: lanes and T must be positive");
  // The units dealt to lanes: whole files, or for training (seed != 0) pieces of at most
  // kMaxPieceChunks chunks, each starting from a zero state. One 500k-token file otherwise kept one
  // lane busy for thousands of steps after the others ran dry; the LSTM's memory is far shorter.
  struct Piece {
    uint32_t file, first, chunks;  // its chunks are [first, first + chunks) of the file
  };
  std::vector<Piece> pieces;
  for (uint32_t f = 0; f < d.files.size(); ++f) {
    auto n = uint32_t((d.files[f].ids.size() + T - 1) / T);
    const uint32_t cap = seed ? kMaxPieceChunks : std::max(n, 1u);
    for (uint32_t c = 0; c < n; c += cap) pieces.push_back({f, c, std::min(cap, n - c)});
    tokens_ += d.files[f].ids.size();
  }
  std::vector<uint32_t> order(pieces.size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed);
  if (seed)
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng() % i)]);  // portable
  // Longest first, each to the lane with the fewest chunks so far: the lanes end within one piece
  // of each other (dealt in shuffled order, a long piece that came late kept one lane busy alone).
  if (seed)
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return pieces[a].chunks > pieces[b].chunks; });
  std::vector<std::vector<uint32_t>> lane_pieces(lanes);
  using Load = std::pair<uint64_t, uint32_t>;  // (chunks so far, lane): smallest first, ties by lane
  std::priority_queue<Load, std::vector<Load>, std::greater<>> heap;
  for (uint32_t l = 0; l < lanes; ++l) heap.push({0, l});
  for (uint32_t p : order) {
    auto [chunks, lane] = heap.top();
    heap.pop();
    lane_pieces[lane].push_back(p);
    heap.push({chunks + pieces[p].chunks, lane});
  }
  // Then each lane's pieces in random order, so what runs side by side changes from epoch to epoch.
  lane_chunks_.resize(lanes);
  for (uint32_t l = 0; l < lanes; ++l) {
    auto& ps = lane_pieces[l];
    if (seed)
      for (size_t i = ps.size(); i > 1; --i) std::swap(ps[i - 1], ps[size_t(rng() % i)]);
    for (uint32_t p : ps)
      for (uint32_t c = 0; c < pieces[p].chunks; ++c)
        lane_chunks_[l].push_back({pieces[p].file, (pieces[p].first + c) * T, c == 0});
  }
  for (const auto& l : lane_chunks_) steps_ = std::max<uint64_t>(steps_, l.size());
}

Batch Schedule::batch(uint64_t step, uint32_t lane_begin, uint32_t lane_end, bool with_next) const {
  Batch b;
  b.T = T_;
  b.B = lane_end - lane_begin;
  b.input.assign(size_t(b.T) * b.B, 0);
  b.reset.assign(b.B, 1);
  if (with_next) b.next_target.assign(b.input.size(), -1);
  for (uint32_t j = 0; j < b.B; ++j) {
    const auto& chunks = lane_chunks_.at(lane_begin + j);
    if (step >= chunks.size()) continue;  // lane ran dry: padding, no targets
    auto [f, start, first] = chunks[step];
    const Stream& s = d_.files[f];
    b.reset[j] = first;
    auto end = std::min<size_t>(s.ids.size(), size_t(start) + T_);
    for (size_t i = start; i < end; ++i) {
      size_t flat = (i - start) * b.B + j;
      b.input[flat] = s.ids[i];
      if (with_next && i + 1 < s.ids.size()) b.next_target[flat] = s.ids[i + 1];
    }
    b.tokens += end - start;
    // The output after input i predicts ids[i+1]: sites with pos-1 in [start, end).
    auto lo = std::lower_bound(s.sites.begin(), s.sites.end(), start + 1u);
    for (auto it = lo; it != s.sites.end() && *it <= end; ++it) {
      if (*it >= s.ids.size()) break;
      b.site_index.push_back(int64_t(*it - 1 - start) * b.B + j);
      b.site_target.push_back(s.ids[*it]);
    }
  }
  return b;
}

}  // namespace dw::train
