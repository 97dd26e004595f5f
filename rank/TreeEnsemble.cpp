#include "rank/TreeEnsemble.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "support/BinaryIO.h"

namespace dw {

TreeEnsemble TreeEnsemble::from_xgboost_json(std::string_view text, size_t max_features) {
  using Json = nlohmann::json;
  Json j = Json::parse(text, nullptr, false);
  auto fail = [](const std::string& why) { return std::runtime_error("ranker model: " + why); };
  if (j.is_discarded() || !j.is_object()) throw fail("not JSON");
  const Json* learner = j.contains("learner") ? &j["learner"] : nullptr;
  if (!learner || !learner->is_object()) throw fail("no learner");
  TreeEnsemble e;
  try {
    const Json& param = (*learner).at("learner_model_param");
    e.base_ = std::stof(param.at("base_score").get<std::string>());
    e.features_ = std::stoul(param.at("num_feature").get<std::string>());
    if (e.features_ > max_features) throw fail("model reads " + std::to_string(e.features_) + " features");
    const Json& booster = (*learner).at("gradient_booster");
    if (booster.at("name").get<std::string>() != "gbtree") throw fail("not a gbtree model");
    const Json& trees = booster.at("model").at("trees");
    for (const Json& t : trees) {
      auto left = t.at("left_children").get<std::vector<int32_t>>();
      auto right = t.at("right_children").get<std::vector<int32_t>>();
      auto split = t.at("split_indices").get<std::vector<int32_t>>();
      auto cond = t.at("split_conditions").get<std::vector<float>>();
      auto dflt = t.at("default_left").get<std::vector<int>>();
      size_t n = left.size();
      if (right.size() != n || split.size() != n || cond.size() != n || dflt.size() != n || n == 0)
        throw fail("inconsistent tree arrays");
      // Re-lay the tree so each node's children are adjacent: one index per node, cache-friendly.
      std::vector<int32_t> at(n, -1);
      auto root = int32_t(e.nodes_.size());
      e.nodes_.push_back({});
      std::vector<std::pair<int32_t, int32_t>> todo{{0, root}};  // (xgboost node, our slot)
      while (!todo.empty()) {
        auto [x, slot] = todo.back();
        todo.pop_back();
        if (x < 0 || size_t(x) >= n || at[size_t(x)] >= 0) throw fail("malformed tree");
        at[size_t(x)] = slot;
        Node& nd = e.nodes_[size_t(slot)];
        if (left[size_t(x)] == -1) {
          nd = {cond[size_t(x)], 0, uint32_t(slot), 0, 1};
          continue;
        }
        if (split[size_t(x)] < 0 || size_t(split[size_t(x)]) >= e.features_) throw fail("split on a missing feature");
        auto l = int32_t(e.nodes_.size());
        e.nodes_.push_back({});
        e.nodes_.push_back({});
        Node& nd2 = e.nodes_[size_t(slot)];
        nd2 = {cond[size_t(x)], uint32_t(split[size_t(x)]), uint32_t(l), 1, uint8_t(dflt[size_t(x)] != 0)};
        todo.push_back({left[size_t(x)], l});
        todo.push_back({right[size_t(x)], l + 1});
      }
      e.roots_.push_back(root);
    }
    e.measure_depths();
  } catch (const Json::exception& ex) {
    throw fail(ex.what());
  } catch (const std::logic_error& ex) {  // stof/stoul
    throw fail(ex.what());
  }
  return e;
}

std::string TreeEnsemble::to_bytes() const {
  ByteWriter w;
  w.f32(base_);
  w.u32(uint32_t(features_));
  w.u32(uint32_t(roots_.size()));
  w.u32(uint32_t(nodes_.size()));
  for (int32_t r : roots_) w.u32(uint32_t(r));
  for (const Node& n : nodes_)  // a leaf as feature -1, left -1, default_left 0
    w.f32(n.value), w.u32(n.split ? n.feature : UINT32_MAX), w.u32(n.split ? n.left : UINT32_MAX),
        w.u8(n.split ? n.default_left : 0);
  return std::move(w.buffer());
}

TreeEnsemble TreeEnsemble::from_bytes(std::string_view bytes, size_t max_features) {
  ByteReader in(bytes, "ranker trees");
  TreeEnsemble e;
  e.base_ = in.f32();
  e.features_ = in.u32();
  uint32_t trees = in.u32(), nodes = in.u32();
  if (e.features_ > max_features) in.fail("too many features");
  if (size_t(trees) * 4 + size_t(nodes) * 13 != in.remaining()) in.fail("wrong size");
  for (uint32_t i = 0; i < trees; ++i) {
    auto r = int32_t(in.u32());
    if (r < 0 || uint32_t(r) >= nodes) in.fail("bad root");
    e.roots_.push_back(r);
  }
  e.nodes_.resize(nodes);
  for (uint32_t i = 0; i < nodes; ++i) {
    const float value = in.f32();
    const auto feature = int32_t(in.u32());
    const auto left = int32_t(in.u32());
    const bool default_left = in.u8() != 0;
    // Children come after their parent, so every walk moves forward and ends.
    if (feature >= 0 && (size_t(feature) >= e.features_ || left <= int32_t(i) || uint32_t(left) + 1 >= nodes))
      in.fail("bad node");
    e.nodes_[i] = feature < 0 ? Node{value, 0, i, 0, 1}
                              : Node{value, uint32_t(feature), uint32_t(left), 1, uint8_t(default_left)};
  }
  e.measure_depths();
  return e;
}

void TreeEnsemble::measure_depths() {
  // Children come after their parents (checked on load): one backward pass gives every height.
  std::vector<uint32_t> height(nodes_.size(), 0);
  for (size_t i = nodes_.size(); i-- > 0;)
    if (nodes_[i].split) height[i] = 1 + std::max(height[nodes_[i].left], height[nodes_[i].left + 1]);
  depth_.clear();
  for (int32_t r : roots_) depth_.push_back(height[size_t(r)]);
}

void TreeEnsemble::add_trees(const float* const* rows, size_t n, size_t first, size_t last, float* out) const {
  constexpr size_t kLanes = 8;
  last = std::min(last, roots_.size());
  // A short last block walks copies of its first row: every block is a full eight, unrolled.
  for (size_t r0 = 0; r0 < n; r0 += kLanes) {
    const size_t m = std::min(kLanes, n - r0);
    const float* x[kLanes];
    for (size_t r = 0; r < kLanes; ++r) x[r] = rows[r0 + (r < m ? r : 0)];
    float sum[kLanes] = {};
    for (size_t t = first; t < last; ++t) {
      uint32_t at[kLanes];
      for (size_t r = 0; r < kLanes; ++r) at[r] = uint32_t(roots_[t]);
      for (uint32_t d = 0; d < depth_[t]; ++d)
        for (size_t r = 0; r < kLanes; ++r) {
          // Branch-free: the direction is data, and mispredicted branches cost more than the walk.
          const Node& nd = nodes_[at[r]];
          const float v = x[r][nd.feature];
          const uint32_t left = uint32_t(v < nd.value) | (uint32_t(v != v) & nd.default_left);
          at[r] = nd.left + ((left ^ 1u) & nd.split);
        }
      for (size_t r = 0; r < kLanes; ++r) sum[r] += nodes_[at[r]].value;
    }
    for (size_t r = 0; r < m; ++r) out[r0 + r] += sum[r];
  }
}

float TreeEnsemble::predict(std::span<const float> row) const { return base_ + predict_trees(row, 0, roots_.size()); }

float TreeEnsemble::predict_trees(std::span<const float> row, size_t first, size_t last) const {
  float sum = 0.0f;
  last = std::min(last, roots_.size());
  for (size_t t = first; t < last; ++t) {
    const Node* n = &nodes_[size_t(roots_[t])];
    while (n->split) {
      float x = n->feature < row.size() ? row[n->feature] : NAN;
      bool left = std::isnan(x) ? n->default_left != 0 : x < n->value;
      n = &nodes_[n->left + (left ? 0u : 1u)];
    }
    sum += n->value;
  }
  return sum;
}

}  // namespace dw
