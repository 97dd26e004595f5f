#include "lsp/Merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

namespace dw::lsp {
namespace {

// Display order: scored items by key (best first), then the upstream's unscored public items, then
// its unscored private ones, each in the order given. The ★ percentages are a softmax of the keys.
std::vector<Ranked> order_by_key(const std::vector<float>& key, const std::vector<std::string>& names,
                                 const RankOptions& opt) {
  float top = -INFINITY;
  for (float k : key)
    if (std::isfinite(k)) top = std::max(top, k);
  double z = 0;
  for (float k : key)
    if (std::isfinite(k)) z += std::exp(double(k - top));
  std::vector<Ranked> out;
  for (size_t i = 0; i < key.size(); ++i) {
    bool known = std::isfinite(key[i]);
    int group = known ? 0 : is_private(names[i]) ? 3 : 1;
    out.push_back({i, known && z > 0 ? std::exp(double(key[i] - top)) / z : 0.0, known, false, group});
  }
  std::stable_sort(out.begin(), out.end(), [&](const Ranked& a, const Ranked& b) {
    if (a.group != b.group) return a.group < b.group;
    if (a.known && b.known && key[a.index] != key[b.index]) return key[a.index] > key[b.index];
    return a.index < b.index;
  });
  mark_stars(out, opt.stars);
  return out;
}

// Ours are all scored; a non-finite score still sorts, last among them, so our order holds.
float own_key(const OwnCandidate& c) { return std::isfinite(c.score) ? c.score : -1e30f; }

Json own_item(const OwnCandidate& c) { return {{"label", c.name}, {"kind", c.kind}, {"filterText", c.name}}; }

}  // namespace

Json own_completion_list(const std::vector<OwnCandidate>& ours, const RankOptions& ropt) {
  Json items = Json::array();
  std::vector<float> key;
  std::vector<std::string> names;
  for (const auto& c : ours) {
    items.push_back(own_item(c));
    key.push_back(own_key(c));
    names.push_back(c.name);
  }
  apply_ranking(items, order_by_key(key, names, ropt), ropt);
  return {{"isIncomplete", false}, {"items", std::move(items)}};
}

std::string own_completion_text(const std::vector<OwnCandidate>& ours, const RankOptions& ropt) {
  std::vector<float> key;
  std::vector<std::string> names;
  key.reserve(ours.size());
  names.reserve(ours.size());
  for (const auto& c : ours) key.push_back(own_key(c)), names.push_back(c.name);
  const std::vector<Ranked> order = order_by_key(key, names, ropt);
  // What apply_ranking makes of own_item's objects, field for field (tests/lsp/MergeTest.cpp).
  const int width = int(std::to_string(order.size()).size());
  std::string out = R"({"isIncomplete":false,"items":[)";
  out.reserve(out.size() + ours.size() * 96);
  for (size_t rank_no = 0; rank_no < order.size(); ++rank_no) {
    const Ranked& r = order[rank_no];
    const OwnCandidate& c = ours[r.index];
    const bool star_label = r.starred && ropt.star_in_label;
    out += rank_no ? R"(,{"label":)" : R"({"label":)";
    append_json_string(out, star_label ? "★ " + c.name : c.name);
    fmt::format_to(std::back_inserter(out), R"(,"kind":{},"filterText":)", c.kind);
    append_json_string(out, c.name);
    fmt::format_to(std::back_inserter(out), R"(,"sortText":"{:0{}}")", rank_no, width);
    if (rank_no == 0 && r.known && r.group == 0) out += R"(,"preselect":true)";
    if (star_label) {
      out += R"(,"insertText":)";
      append_json_string(out, c.name);
    } else if (r.starred) {
      fmt::format_to(std::back_inserter(out), R"(,"labelDetails":{{"description":"★ {:.0f}%"}})",
                     r.probability * 100.0);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

void merge_completion(Json& result, const std::vector<OwnCandidate>& ours, const MergeOptions& mopt,
                      const RankOptions& ropt) {
  Json* items = result.is_array()                                                              ? &result
                : result.is_object() && result.contains("items") && result["items"].is_array() ? &result["items"]
                                                                                               : nullptr;
  if (!items || items->empty()) {
    result = own_completion_list(ours, ropt);
    for (auto& it : result["items"]) it["detail"] = "dotwise";  // resolved by us, not the upstream
    return;
  }
  sort_upstream_order(*items);
  std::unordered_map<std::string_view, float> score;
  for (const auto& c : ours) score.emplace(c.name, own_key(c));
  // The shape of an upstream edit (its range covers what was typed after the dot), for ours.
  Json edit;
  for (const auto& it : *items)
    if (it.is_object() && it.contains("textEdit") && it["textEdit"].is_object()) {
      edit = it["textEdit"];
      break;
    }
  std::vector<float> key;
  std::vector<std::string> names;
  std::unordered_set<std::string> listed;
  for (const auto& it : *items) {
    std::string n = item_name(it);
    auto s = n.empty() ? score.end() : score.find(n);
    key.push_back(s == score.end() ? NAN : s->second + mopt.upstream_bonus);
    listed.insert(n);
    names.push_back(std::move(n));
  }
  size_t added = 0;
  for (const auto& c : ours) {
    if (added >= mopt.add) break;
    if (!listed.insert(c.name).second) continue;
    Json item = own_item(c);
    item["detail"] = "dotwise";
    if (edit.is_object()) {
      item["textEdit"] = edit;
      item["textEdit"]["newText"] = c.name;
    } else {
      item["insertText"] = c.name;
    }
    items->push_back(std::move(item));
    key.push_back(own_key(c));
    names.push_back(c.name);
    ++added;
  }
  apply_ranking(*items, order_by_key(key, names, ropt), ropt);
}

}  // namespace dw::lsp
