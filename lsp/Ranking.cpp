#include "lsp/Ranking.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace dw::lsp {

bool is_private(std::string_view name) { return !name.empty() && name.front() == '_'; }

std::string item_name(const Json& item) {
  std::string s = string_at(item, {"filterText"});
  if (s.empty()) s = string_at(item, {"label"});
  size_t n = 0;
  while (n < s.size() &&
         (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_' || static_cast<unsigned char>(s[n]) >= 0x80))
    ++n;
  s.resize(n);
  return s;
}

std::vector<Ranked> rank(const std::vector<RankInput>& in, const RankOptions& opt) {
  float top = -INFINITY;
  for (const auto& x : in)
    if (!std::isnan(x.logit)) top = std::max(top, x.logit);
  double z = 0;
  for (const auto& x : in)
    if (!std::isnan(x.logit) && std::isfinite(top)) z += std::exp(double(x.logit - top));
  std::vector<Ranked> out;
  std::vector<int> group(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    bool known = !std::isnan(in[i].logit) && std::isfinite(in[i].logit);
    double p = known && z > 0 ? std::exp(double(in[i].logit - top)) / z : 0.0;
    bool priv = is_private(in[i].name);
    group[i] = known ? (priv && p <= opt.private_confidence ? 2 : 0) : (priv ? 3 : 1);
    out.push_back({i, p, known, false, group[i]});
  }
  std::stable_sort(out.begin(), out.end(), [&](const Ranked& a, const Ranked& b) {
    if (group[a.index] != group[b.index]) return group[a.index] < group[b.index];
    if (a.known && b.known && in[a.index].logit != in[b.index].logit) return in[a.index].logit > in[b.index].logit;
    return a.index < b.index;
  });
  mark_stars(out, opt.stars);
  return out;
}

void mark_stars(std::vector<Ranked>& order, int stars) {
  int n = 0;
  for (auto& r : order) {
    if (r.group != 0 || n >= stars) break;
    r.starred = true;
    ++n;
  }
}

void sort_upstream_order(Json& items) {
  std::vector<size_t> idx(items.size());
  std::vector<std::string> key(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    idx[i] = i;
    key[i] = string_at(items[i], {"sortText"}, string_at(items[i], {"label"}));
  }
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  Json sorted = Json::array();
  for (size_t i : idx) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

void apply_ranking(Json& items, const std::vector<Ranked>& order, const RankOptions& opt) {
  const int width = int(std::to_string(order.size()).size());
  Json out = Json::array();
  for (size_t rank_no = 0; rank_no < order.size(); ++rank_no) {
    const Ranked& r = order[rank_no];
    Json item = std::move(items[r.index]);
    if (!item.is_object()) {
      out.push_back(std::move(item));
      continue;
    }
    std::string name = item_name(item);
    std::string label = string_at(item, {"label"});
    if (!item.contains("filterText")) item["filterText"] = name.empty() ? label : name;
    item["sortText"] = fmt::format("{:0{}}", rank_no, width);
    if (rank_no == 0 && r.known && r.group == 0) {
      item["preselect"] = true;
    } else if (item.contains("preselect")) {
      item.erase("preselect");  // one preselected item, ours
    }
    if (r.starred) {
      std::string pct = fmt::format("{:.0f}%", r.probability * 100.0);
      if (opt.star_in_label) {
        if (!item.contains("insertText") && !item.contains("textEdit")) item["insertText"] = label;
        item["label"] = "★ " + label;
      } else {
        Json& details = item["labelDetails"];
        if (!details.is_object()) details = Json::object();
        std::string desc = string_at(details, {"description"});
        details["description"] = desc.empty() ? "★ " + pct : "★ " + pct + "  " + desc;
      }
    }
    out.push_back(std::move(item));
  }
  items = std::move(out);
}

}  // namespace dw::lsp
