// Our tree evaluator against XGBoost's own predictions, on a model trained here with the C API.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "model/ModelFile.h"
#include "rank/Features.h"
#include "rank/LearnedRanker.h"
#include "rank/TreeEnsemble.h"
#include "support/FileIO.h"

namespace dw {
namespace {

struct Booster {
  BoosterHandle h = nullptr;
  DMatrixHandle d = nullptr;
  ~Booster() {
    if (h) XGBoosterFree(h);
    if (d) XGDMatrixFree(d);
  }
};

// A ranking model on synthetic groups: label 1 where feature 0 + noise is the group's largest, with
// missing values in feature 2 so default directions are exercised.
std::string train_model(std::vector<float>& x, size_t rows, size_t cols, const char* objective, Booster& b) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  x.assign(rows * cols, 0);
  std::vector<float> y(rows, 0);
  std::vector<unsigned> groups;
  for (size_t g = 0; g * 10 < rows; ++g) {
    size_t best = g * 10;
    for (size_t i = g * 10; i < std::min(rows, g * 10 + 10); ++i) {
      for (size_t c = 0; c < cols; ++c) x[i * cols + c] = nd(rng);
      if (i % 3 == 0) x[i * cols + 2] = NAN;
      if (x[i * cols] + 0.3f * x[i * cols + 1] > x[best * cols] + 0.3f * x[best * cols + 1]) best = i;
    }
    y[best] = 1;
    groups.push_back(unsigned(std::min(rows, g * 10 + 10) - g * 10));
  }
  EXPECT_EQ(XGDMatrixCreateFromMat(x.data(), rows, cols, NAN, &b.d), 0);
  XGDMatrixSetFloatInfo(b.d, "label", y.data(), rows);
  XGDMatrixSetUIntInfo(b.d, "group", groups.data(), groups.size());
  EXPECT_EQ(XGBoosterCreate(&b.d, 1, &b.h), 0);
  XGBoosterSetParam(b.h, "objective", objective);
  XGBoosterSetParam(b.h, "max_depth", "5");
  XGBoosterSetParam(b.h, "nthread", "1");
  for (int it = 0; it < 30; ++it) EXPECT_EQ(XGBoosterUpdateOneIter(b.h, it, b.d), 0);
  bst_ulong len;
  const char* buf;
  EXPECT_EQ(XGBoosterSaveModelToBuffer(b.h, R"({"format": "json"})", &len, &buf), 0);
  return std::string(buf, len);
}

void expect_parity(const char* objective) {
  const size_t rows = 2000, cols = 6;
  std::vector<float> x;
  Booster b;
  std::string json = train_model(x, rows, cols, objective, b);
  TreeEnsemble e = TreeEnsemble::from_xgboost_json(json, cols);
  EXPECT_EQ(e.trees(), 30u);
  bst_ulong n;
  const float* pred;
  ASSERT_EQ(XGBoosterPredict(b.h, b.d, 1 /* margin */, 0, 0, &n, &pred), 0);
  ASSERT_EQ(n, rows);
  double worst = 0, spread = 0;
  for (size_t i = 0; i < rows; ++i) {
    worst = std::max(worst, double(std::fabs(e.predict({x.data() + i * cols, cols}) - pred[i])));
    spread = std::max(spread, double(std::fabs(pred[i] - pred[0])));
  }
  EXPECT_LT(worst, 1e-5) << objective;
  // The server's encoding gives the same margins, bit for bit.
  TreeEnsemble back = TreeEnsemble::from_bytes(e.to_bytes(), cols);
  for (size_t i = 0; i < rows; ++i)
    EXPECT_EQ(back.predict({x.data() + i * cols, cols}), e.predict({x.data() + i * cols, cols}));
  EXPECT_GT(spread, 0.1);  // the model is not constant, so the comparison means something
  // The cascade's two parts add up to the whole margin.
  for (size_t split : {size_t(0), size_t(1), size_t(7), size_t(30), size_t(99)})
    for (size_t i = 0; i < rows; i += 97) {
      std::span<const float> row{x.data() + i * cols, cols};
      EXPECT_NEAR(e.base() + e.predict_trees(row, 0, split) + e.predict_trees(row, split, e.trees()), e.predict(row),
                  1e-5)
          << split;
    }
  // Eight rows walked together give each row's own sum, bit for bit, for any row count and tree range
  // (rows with missing values included: every third row lacks feature 2).
  for (TreeEnsemble* m : {&e, &back})
    for (size_t count : {size_t(1), size_t(7), size_t(8), size_t(9), size_t(101)})
      for (auto [first, last] : {std::pair<size_t, size_t>{0, 30}, {0, 5}, {5, 30}, {12, 99}}) {
        std::vector<const float*> rs;
        for (size_t i = 0; i < count; ++i) rs.push_back(x.data() + (i * 13 % rows) * cols);
        std::vector<float> out(count, 0.0f);
        m->add_trees(rs.data(), count, first, last, out.data());
        for (size_t i = 0; i < count; ++i)
          ASSERT_EQ(out[i], m->predict_trees({rs[i], cols}, first, last)) << count << " rows, row " << i;
      }
}

TEST(TreeEnsemble, MatchesXgboostNdcg) { expect_parity("rank:ndcg"); }
TEST(TreeEnsemble, MatchesXgboostPairwise) { expect_parity("rank:pairwise"); }

TEST(TreeEnsemble, RefusesWhatIsNotAModel) {
  EXPECT_THROW(TreeEnsemble::from_xgboost_json("{", 10), std::runtime_error);
  EXPECT_THROW(TreeEnsemble::from_xgboost_json("{\"learner\": 3}", 10), std::runtime_error);
  std::vector<float> x;
  Booster b;
  std::string json = train_model(x, 200, 6, "rank:ndcg", b);
  EXPECT_THROW(TreeEnsemble::from_xgboost_json(json, 3), std::runtime_error);  // reads more features than given
  for (size_t cut : {json.size() / 3, json.size() / 2, json.size() - 2})
    EXPECT_THROW(TreeEnsemble::from_xgboost_json(json.substr(0, cut), 10), std::runtime_error);
}

TEST(LearnedRanker, TheLoaderChecksFormatFeaturesAndModel) {
  std::vector<float> x;
  Booster b;
  std::string json = train_model(x, 200, kFeatureCount, "rank:ndcg", b);
  TreeEnsemble e = TreeEnsemble::from_xgboost_json(json, kFeatureCount);
  auto dir = std::filesystem::temp_directory_path() / ("dw_ranker_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto good = dir / "m.dwr";
  std::string bytes = ranker_file_bytes(e, 42, R"({"note": 1})");
  write_file_atomic(good, bytes);
  std::string info;
  EXPECT_EQ(load_ranker(good, nullptr, &info).trees(), 30u);
  EXPECT_EQ(info, R"({"note": 1})");
  auto bad = dir / "bad.dwr";
  // Every truncation and a flipped byte anywhere are refused (the checksum covers the whole file).
  for (size_t cut = 0; cut < bytes.size(); cut += 97) {
    write_file_atomic(bad, bytes.substr(0, cut));
    EXPECT_THROW(load_ranker(bad, nullptr), std::runtime_error) << cut;
  }
  for (size_t at = 0; at < bytes.size(); at += 131) {
    std::string t = bytes;
    t[at] = char(t[at] ^ 0x5a);
    write_file_atomic(bad, t);
    EXPECT_THROW(load_ranker(bad, nullptr), std::runtime_error) << at;
  }
  EXPECT_THROW(load_ranker(dir / "missing.dwr", nullptr), std::runtime_error);
  // A ranker reads one model's logits: another model's file is refused.
  ModelFile mf = ModelFile::open(std::string(DOTWISE_SOURCE_DIR) + "/models/default.dwm");
  EXPECT_THROW(load_ranker(good, &mf), std::runtime_error);
  write_file_atomic(good, ranker_file_bytes(e, model_fingerprint(mf), "{}"));
  EXPECT_EQ(load_ranker(good, &mf).trees(), 30u);
  // The shipped ranker reads, and writes back to the same bytes.
  const std::string shipped = std::string(DOTWISE_SOURCE_DIR) + "/models/default.dwr";
  std::string shipped_info;
  TreeEnsemble s = load_ranker(shipped, &mf, &shipped_info);
  EXPECT_EQ(ranker_file_bytes(s, model_fingerprint(mf), shipped_info), read_file(shipped).data);
  std::filesystem::remove_all(dir);
}

// `dotwise-ranker --import`: a ranker trained elsewhere (XGBoost's JSON, or the JSON ranker file of
// format 1) becomes a .dwr whose margins are XGBoost's; one made for another model is refused.
TEST(LearnedRanker, ImportWritesTheSameTreesAndChecksTheModel) {
  const size_t rows = 300;
  std::vector<float> x;
  Booster b;
  std::string json = train_model(x, rows, kFeatureCount, "rank:ndcg", b);
  auto dir = std::filesystem::temp_directory_path() / ("dw_ranker_import_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string model = std::string(DOTWISE_SOURCE_DIR) + "/models/default.dwm";
  ModelFile mf = ModelFile::open(model);
  nlohmann::json wrapped = {{"format", "dotwise-ranker"},
                            {"version", 1},
                            {"features", nlohmann::json::array()},
                            {"model_fingerprint", fmt::format("{:016x}", model_fingerprint(mf))},
                            {"info", {{"rounds", 30}}},
                            {"xgboost", nlohmann::json::parse(json)}};
  for (auto n : kFeatureNames) wrapped["features"].push_back(n);
  write_file_atomic(dir / "plain.json", json);
  write_file_atomic(dir / "wrapped.json", wrapped.dump());
  wrapped["model_fingerprint"] = "0000000000000001";
  write_file_atomic(dir / "other_model.json", wrapped.dump());
  const std::string tool = std::string(DOTWISE_BINARY_DIR) + "/cli/dotwise-ranker";
  auto run = [&](const std::string& in, const std::string& out) {
    return std::system((tool + " --import " + (dir / in).string() + " --model " + model + " -o " +
                        (dir / out).string() + " > /dev/null 2>&1")
                           .c_str());
  };
  bst_ulong n;
  const float* pred;
  ASSERT_EQ(XGBoosterPredict(b.h, b.d, 1 /* margin */, 0, 0, &n, &pred), 0);
  for (const char* in : {"plain.json", "wrapped.json"}) {
    ASSERT_EQ(run(in, "m.dwr"), 0) << in;
    std::string info;
    TreeEnsemble e = load_ranker(dir / "m.dwr", &mf, &info);
    ASSERT_EQ(e.trees(), 30u);
    for (size_t i = 0; i < rows; ++i)
      EXPECT_NEAR(e.predict({x.data() + i * kFeatureCount, kFeatureCount}), pred[i], 1e-5) << in << " row " << i;
    EXPECT_NE(info.find(in), std::string::npos) << info;  // says where it came from
  }
  EXPECT_NE(run("other_model.json", "refused.dwr"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "refused.dwr"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dw
