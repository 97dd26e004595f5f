// A gradient-boosted tree ensemble read from XGBoost's JSON model format and evaluated here, so the
// server needs no libxgboost (its OpenMP team per call costs more than our 300 rows: ranking.md §3).
// tests/rank/TreeEnsembleTest checks it against XGBoost's own predictions.
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

class TreeEnsemble {
 public:
  TreeEnsemble() = default;
  // `json`: XGBoost's saved model (Booster.save_model("x.json") / XGBoosterSaveModel). Throws
  // std::runtime_error on anything that is not a gbtree model over at most `max_features` inputs.
  static TreeEnsemble from_xgboost_json(std::string_view json, size_t max_features);

  // Our own compact encoding (the server loads this, never the JSON: parsing XGBoost's JSON costs
  // ~10x its size in memory). from_bytes throws std::runtime_error on anything inconsistent.
  std::string to_bytes() const;
  static TreeEnsemble from_bytes(std::string_view bytes, size_t max_features);

  // The raw margin for one row of features (NaN = missing, which follows each split's default).
  float predict(std::span<const float> row) const;
  // The sum of trees [first, last) alone, without the base margin: predict() is base() +
  // predict_trees(row, 0, trees()), so a cascade can score in parts.
  float predict_trees(std::span<const float> row, size_t first, size_t last) const;
  // predict_trees for `n` rows at once, added to out[0, n): each row's trees are summed in the same
  // order, so from 0 out[r] gets exactly predict_trees' value. Each row holds max(features(), 1) floats.
  // Why: one row's walk is a chain of dependent loads and unpredictable branches; walking eight rows
  // down a tree together, branch-free, overlaps them (bench/ranker_latency).
  void add_trees(const float* const* rows, size_t n, size_t first, size_t last, float* out) const;
  float base() const { return base_; }
  size_t trees() const { return roots_.size(); }
  size_t features() const { return features_; }
  bool empty() const { return roots_.empty(); }

 private:
  // A leaf points at itself and reads column 0, so add_trees walks each tree its depth in steps
  // without a test for the leaf.
  struct Node {
    float value;       // split threshold (go left when x < value), or the leaf's output
    uint32_t feature;  // 0 at a leaf
    uint32_t left;     // right = left + 1 (children are laid out as a pair); a leaf: itself
    uint8_t split;     // 1 at a split, 0 at a leaf
    uint8_t default_left;
  };
  void measure_depths();
  std::vector<Node> nodes_;
  std::vector<uint32_t> depth_;  // per tree: the longest walk from its root
  std::vector<int32_t> roots_;
  float base_ = 0;
  size_t features_ = 0;
};

}  // namespace dw
