// The proxy's merge of the upstream's list with our candidates (lsp/Merge.h), item by item.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "lsp/Merge.h"

namespace dw::lsp {
namespace {

Json upstream_item(const std::string& name, int i) {
  Json range = {{"start", {{"line", 3}, {"character", 4}}}, {"end", {{"line", 3}, {"character", 6}}}};
  return {{"label", name},
          {"kind", 2},
          {"sortText", "0" + std::to_string(i)},
          {"textEdit", {{"range", range}, {"newText", name}}},
          {"documentation", "doc of " + name},
          {"data", {{"id", i}}}};
}

// The names in the order a client shows them (by sortText), and each item by name.
std::vector<std::string> shown(const Json& list, std::map<std::string, Json>* by_name = nullptr) {
  Json items = list.is_array() ? list : list["items"];
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& it : items) {
    v.emplace_back(it["sortText"], it["filterText"]);
    if (by_name) (*by_name)[it["filterText"]] = it;
  }
  std::sort(v.begin(), v.end());
  std::vector<std::string> out;
  for (auto& [s, n] : v) out.push_back(n);
  return out;
}

TEST(Merge, KeepsUpstreamItemsAddsOursAndOrdersByScore) {
  Json result = {{"isIncomplete", false}, {"items", Json::array()}};
  int i = 0;
  for (auto n : {"zeta", "append", "extend", "_hidden", "mystery"}) result["items"].push_back(upstream_item(n, i++));
  // Ours, best first: two the upstream also has, then three it lacks.
  std::vector<OwnCandidate> ours = {
      {"from_file", 3.0f, 2}, {"extend", 2.5f, 2}, {"append", 1.0f, 2}, {"project_only", 0.5f, 6}, {"weak", -4.0f, 5}};
  MergeOptions mo;
  mo.add = 2;
  mo.upstream_bonus = 2.0f;
  RankOptions ro;
  ro.stars = 2;
  merge_completion(result, ours, mo, ro);
  std::map<std::string, Json> by;
  auto names = shown(result, &by);
  // extend 4.5, append 3.0 = from_file 3.0 (a tie keeps the upstream's item first), project_only 0.5;
  // then the unscored upstream items in their order, the private one last.
  EXPECT_EQ(names,
            (std::vector<std::string>{"extend", "append", "from_file", "project_only", "zeta", "mystery", "_hidden"}));
  EXPECT_EQ(by.count("weak"), 0u);  // over `add`
  // Upstream items keep their fields; ours look like them and say where they came from.
  EXPECT_EQ(by["append"]["documentation"], "doc of append");
  EXPECT_EQ(by["append"]["data"]["id"], 1);
  EXPECT_FALSE(by["append"].contains("detail"));
  EXPECT_EQ(by["from_file"]["detail"], "dotwise");
  EXPECT_EQ(by["from_file"]["textEdit"]["range"], by["zeta"]["textEdit"]["range"]);
  EXPECT_EQ(by["from_file"]["textEdit"]["newText"], "from_file");
  EXPECT_EQ(by["project_only"]["kind"], 6);
  // Two stars, on the two best; one preselected item.
  int stars = 0, pre = 0;
  for (const auto& [n, it] : by) stars += it.contains("labelDetails"), pre += it.value("preselect", false);
  EXPECT_EQ(stars, 2);
  EXPECT_TRUE(by["extend"].contains("labelDetails") && by["append"].contains("labelDetails"));
  EXPECT_EQ(pre, 1);
  EXPECT_TRUE(by["extend"].value("preselect", false));
}

TEST(Merge, WithoutBonusOurScoreAloneDecides) {
  Json result = Json::array({upstream_item("a", 0), upstream_item("b", 1)});
  std::vector<OwnCandidate> ours = {{"c", 5.0f, 2}, {"b", 1.0f, 2}, {"a", 0.5f, 2}};
  MergeOptions mo;
  mo.upstream_bonus = 0;
  merge_completion(result, ours, mo, RankOptions{});
  ASSERT_TRUE(result.is_array());  // the upstream's shape is kept
  EXPECT_EQ(shown(result), (std::vector<std::string>{"c", "b", "a"}));
  mo.upstream_bonus = 10;
  result = Json::array({upstream_item("a", 0), upstream_item("b", 1)});
  merge_completion(result, ours, mo, RankOptions{});
  EXPECT_EQ(shown(result), (std::vector<std::string>{"b", "a", "c"}));
}

TEST(Merge, NoUpstreamListGivesOursAndPlainItemsGetInsertText) {
  std::vector<OwnCandidate> ours = {{"x", 1.0f, 2}, {"y", 0.0f, 10}};
  for (Json r : {Json(nullptr), Json::array(), Json{{"isIncomplete", false}, {"items", Json::array()}}}) {
    merge_completion(r, ours, MergeOptions{}, RankOptions{});
    EXPECT_EQ(shown(r), (std::vector<std::string>{"x", "y"})) << r.dump();
  }
  // An upstream without textEdits: ours insert their name.
  Json plain = Json::array({{{"label", "p"}, {"kind", 6}}});
  merge_completion(plain, ours, MergeOptions{}, RankOptions{});
  std::map<std::string, Json> by;
  shown(plain, &by);
  EXPECT_EQ(by["x"]["insertText"], "x");
  EXPECT_FALSE(by["p"].contains("insertText"));
  EXPECT_EQ(shown(own_completion_list({}, RankOptions{})).size(), 0u);
}

// The standalone reply is written as text (own_completion_text); it must be, field for field, the
// list own_completion_list builds as objects, for every star setting, tie, odd score and odd name.
TEST(OwnCompletionText, SameListAsTheObjects) {
  std::mt19937 rng(5);
  const std::vector<std::string> odd = {
      "quote\"d",         "back\\slash",      "tab\tnew\nline", "ctl\x01\x1f", "caf\xc3\xa9",
      "\xe2\x98\x85star", "\xf0\x9f\x90\x8d", "_private",       "__dunder__",  ""};
  for (int round = 0; round < 200; ++round) {
    std::vector<OwnCandidate> ours;
    const size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      std::string name = rng() % 4 ? "m" + std::to_string(rng() % 30) : odd[rng() % odd.size()];
      float score = float(int(rng() % 7) - 3) / 2.0f;  // ties
      if (rng() % 13 == 0) score = NAN;
      if (rng() % 17 == 0) score = -INFINITY;
      ours.push_back({name, score, int(rng() % 25) + 1});
    }
    RankOptions opt;
    opt.stars = int(rng() % 7);
    opt.star_in_label = rng() % 2;
    const Json objects = own_completion_list(ours, opt);
    const std::string text = own_completion_text(ours, opt);
    ASSERT_EQ(Json::parse(text), objects) << text;
  }
}

// Invalid UTF-8 in a name still gives valid JSON (U+FFFD for each bad byte), as Transport's dump does.
TEST(OwnCompletionText, InvalidUtf8BecomesReplacementCharacters) {
  const std::vector<OwnCandidate> ours = {{"a\xff\xc3(b\xed\xa0\x80", 1.0f, 2}};
  const Json list = Json::parse(own_completion_text(ours, RankOptions{}));
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(list["items"][0]["filterText"], "a" + r + r + "(b" + r + r + r);
  std::string out;
  append_json_string(out, "\xf4\x90\x80\x80\xe0\x80\x80ok");  // past U+10FFFF; overlong
  EXPECT_EQ(Json::parse(out), r + r + r + r + r + r + r + "ok");
}

}  // namespace
}  // namespace dw::lsp
