// Model scores -> the order an editor shows. Every item is kept (never hidden); the order is:
//   1. items the model knows, public (or private but confident), by score;
//   2. items it does not know, public, in the upstream's order;
//   3. private/dunder items it knows but is not confident about, by score;
//   4. the remaining private/dunder items, in the upstream's order.
// The top `stars` items of group 1 get a ★. Clients re-sort by their own fuzzy score and sortText
// (vscode#79516), so every item gets a sortText for the whole list and a filterText equal to the plain
// name: typing a prefix keeps this order among the items that still match.
#pragma once
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "lsp/Protocol.h"

namespace dw::lsp {

struct RankOptions {
  int stars = 5;                    // ★ on this many top items (0: none)
  bool star_in_label = false;       // "★ name" in the label (for clients without labelDetails)
  double private_confidence = 0.5;  // a private/dunder item ranks with public ones above this probability
};

struct RankInput {
  std::string name;   // the member name
  float logit = NAN;  // NaN: unknown to the model
};

struct Ranked {
  size_t index;        // into the input
  double probability;  // softmax over the known items; 0 when unknown
  bool known, starred;
  int group;  // 0..3 as above
};

// `inputs` must be in the upstream's order. Returns every input once, in display order.
std::vector<Ranked> rank(const std::vector<RankInput>& inputs, const RankOptions& opt);
// Stars the first `stars` items of group 0 of an order (display order, group 0 first).
void mark_stars(std::vector<Ranked>& order, int stars);

bool is_private(std::string_view name);
// The member name an item stands for: the leading identifier of filterText, else of label.
std::string item_name(const Json& item);

// Re-ranks an LSP completion result (CompletionList, CompletionItem[] or null) in place. `score`
// gives a name's logit (NaN when unknown). Items are first put in the order the client would show
// them (sortText, else label), which is "the upstream order".
template <class ScoreFn>
void rerank_completion(Json& result, ScoreFn&& score, const RankOptions& opt);
void apply_ranking(Json& items, const std::vector<Ranked>& order, const RankOptions& opt);
void sort_upstream_order(Json& items);

template <class ScoreFn>
void rerank_completion(Json& result, ScoreFn&& score, const RankOptions& opt) {
  Json* items = result.is_array()                                ? &result
                : result.is_object() && result.contains("items") ? &result["items"]
                                                                 : nullptr;
  if (!items || !items->is_array() || items->empty()) return;
  sort_upstream_order(*items);
  std::vector<RankInput> in;
  in.reserve(items->size());
  for (const auto& it : *items) {
    std::string n = item_name(it);
    float s = n.empty() ? NAN : score(n);
    in.push_back({std::move(n), s});
  }
  apply_ranking(*items, rank(in, opt), opt);
}

}  // namespace dw::lsp
