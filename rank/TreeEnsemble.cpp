#include "rank/TreeEnsemble.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

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
          nd = {cond[size_t(x)], -1, -1, false};
          continue;
        }
        if (split[size_t(x)] < 0 || size_t(split[size_t(x)]) >= e.features_) throw fail("split on a missing feature");
        auto l = int32_t(e.nodes_.size());
        e.nodes_.push_back({});
        e.nodes_.push_back({});
        Node& nd2 = e.nodes_[size_t(slot)];
        nd2 = {cond[size_t(x)], split[size_t(x)], l, dflt[size_t(x)] != 0};
        todo.push_back({left[size_t(x)], l});
        todo.push_back({right[size_t(x)], l + 1});
      }
      e.roots_.push_back(root);
    }
  } catch (const Json::exception& ex) {
    throw fail(ex.what());
  } catch (const std::logic_error& ex) {  // stof/stoul
    throw fail(ex.what());
  }
  return e;
}

namespace {
template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
T take(std::string_view& in) {
  if (in.size() < sizeof(T)) throw std::runtime_error("ranker trees: truncated");
  T v;
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return v;
}
}  // namespace

std::string TreeEnsemble::to_bytes() const {
  std::string out;
  put(out, base_);
  put(out, uint32_t(features_));
  put(out, uint32_t(roots_.size()));
  put(out, uint32_t(nodes_.size()));
  for (int32_t r : roots_) put(out, r);
  for (const Node& n : nodes_)
    put(out, n.value), put(out, n.feature), put(out, n.left), put(out, uint8_t(n.default_left));
  return out;
}

TreeEnsemble TreeEnsemble::from_bytes(std::string_view in, size_t max_features) {
  TreeEnsemble e;
  e.base_ = take<float>(in);
  e.features_ = take<uint32_t>(in);
  uint32_t trees = take<uint32_t>(in), nodes = take<uint32_t>(in);
  if (e.features_ > max_features) throw std::runtime_error("ranker trees: too many features");
  if (size_t(trees) * 4 + size_t(nodes) * 13 != in.size()) throw std::runtime_error("ranker trees: wrong size");
  for (uint32_t i = 0; i < trees; ++i) {
    int32_t r = take<int32_t>(in);
    if (r < 0 || uint32_t(r) >= nodes) throw std::runtime_error("ranker trees: bad root");
    e.roots_.push_back(r);
  }
  e.nodes_.resize(nodes);
  for (uint32_t i = 0; i < nodes; ++i) {
    Node& n = e.nodes_[i];
    n.value = take<float>(in);
    n.feature = take<int32_t>(in);
    n.left = take<int32_t>(in);
    n.default_left = take<uint8_t>(in) != 0;
    // Children come after their parent, so every walk moves forward and ends.
    if (n.feature >= 0 && (size_t(n.feature) >= e.features_ || n.left <= int32_t(i) || uint32_t(n.left) + 1 >= nodes))
      throw std::runtime_error("ranker trees: bad node");
  }
  return e;
}

float TreeEnsemble::predict(std::span<const float> row) const { return base_ + predict_trees(row, 0, roots_.size()); }

float TreeEnsemble::predict_trees(std::span<const float> row, size_t first, size_t last) const {
  float sum = 0.0f;
  last = std::min(last, roots_.size());
  for (size_t t = first; t < last; ++t) {
    const Node* n = &nodes_[size_t(roots_[t])];
    while (n->feature >= 0) {
      float x = size_t(n->feature) < row.size() ? row[size_t(n->feature)] : NAN;
      bool left = std::isnan(x) ? n->default_left : x < n->value;
      n = &nodes_[size_t(n->left + (left ? 0 : 1))];
    }
    sum += n->value;
  }
  return sum;
}

}  // namespace dw
