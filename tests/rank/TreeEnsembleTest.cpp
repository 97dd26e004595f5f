// Our tree evaluator against XGBoost's own predictions, on a model trained here with the C API.
#include "rank/TreeEnsemble.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <random>
#include <string>
#include <unistd.h>

#include "model/ModelFile.h"
#include "rank/Features.h"
#include "rank/LearnedRanker.h"
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
  EXPECT_GT(spread, 0.1);  // the model is not constant, so the comparison means something
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
  auto dir = std::filesystem::temp_directory_path() / ("dw_ranker_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto good = dir / "m.ranker.json";
  write_file_atomic(good, ranker_file_json(json, 42, "{}"));
  EXPECT_EQ(load_ranker(good, nullptr).trees(), 30u);
  std::string text = read_file(good).data;
  auto bad = dir / "bad.ranker.json";
  auto rewrite = [&](std::string from, std::string to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    write_file_atomic(bad, t);
  };
  rewrite("\"version\":1", "\"version\":2");
  EXPECT_THROW(load_ranker(bad, nullptr), std::runtime_error);
  rewrite("\"logit_gap\"", "\"other\"");
  EXPECT_THROW(load_ranker(bad, nullptr), std::runtime_error);
  write_file_atomic(bad, text.substr(0, text.size() / 2));
  EXPECT_THROW(load_ranker(bad, nullptr), std::runtime_error);
  EXPECT_THROW(load_ranker(dir / "missing.json", nullptr), std::runtime_error);
  // A ranker reads one model's logits: another model's file is refused.
  ModelFile mf = ModelFile::open(std::string(DOTWISE_SOURCE_DIR) + "/models/default.dwm");
  EXPECT_THROW(load_ranker(good, &mf), std::runtime_error);
  write_file_atomic(good, ranker_file_json(json, model_fingerprint(mf), "{}"));
  EXPECT_EQ(load_ranker(good, &mf).trees(), 30u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dw
