// `dotwise-ranker`: trains the learned ranker with XGBoost (LambdaMART, Debian's libxgboost 1.7) on
// the rows `dotwise eval --protocol editor --dump-features` wrote, early-stops on the valid rows, scores
// the test rows with our own evaluator (rank/TreeEnsemble, what the server runs) and checks it against
// XGBoost's predictions. Its own binary: only training links libxgboost; the server does not.
#include <fmt/core.h>
#include <xgboost/c_api.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "model/ModelFile.h"
#include "rank/FeatureFile.h"
#include "rank/Features.h"
#include "rank/LearnedRanker.h"
#include "support/FileIO.h"

namespace {
using namespace dw;

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
}

struct Matrix {
  DMatrixHandle h = nullptr;
  std::vector<float> x, y;
  std::vector<unsigned> groups;
  ~Matrix() {
    if (h) XGDMatrixFree(h);
  }
};

// Groups with the true member only (a list without it gives no pairs); `mask` blanks ablated features.
void fill(Matrix& m, const std::vector<FeatureGroup>& gs, const std::vector<bool>& mask) {
  for (const auto& g : gs) {
    if (!g.has_positive || g.labels.size() < 2) continue;
    m.groups.push_back(unsigned(g.labels.size()));
    for (size_t i = 0; i < g.labels.size(); ++i) {
      m.y.push_back(g.labels[i]);
      for (size_t f = 0; f < kFeatureCount; ++f) m.x.push_back(mask[f] ? NAN : g.rows[i * kFeatureCount + f]);
    }
  }
  check(XGDMatrixCreateFromMat(m.x.data(), m.y.size(), kFeatureCount, NAN, &m.h), "DMatrix");
  check(XGDMatrixSetFloatInfo(m.h, "label", m.y.data(), m.y.size()), "labels");
  check(XGDMatrixSetUIntInfo(m.h, "group", m.groups.data(), m.groups.size()), "groups");
}

struct Scores {
  uint64_t n = 0, listed = 0, top1 = 0, top5 = 0;
  double rr = 0;
  nlohmann::json json() const {
    auto d = [&](double v) { return n ? v / double(n) : 0.0; };
    return {{"sites", n},
            {"in_list", d(double(listed))},
            {"top1", d(double(top1))},
            {"top5", d(double(top5))},
            {"mrr", d(rr)}};
  }
};

// Every group counts; one whose true member is missing is a miss. Ties rank the true member last.
Scores score(const TreeEnsemble& e, const std::vector<FeatureGroup>& gs, const std::vector<bool>& mask) {
  Scores s;
  std::vector<float> row(kFeatureCount);
  for (const auto& g : gs) {
    ++s.n;
    if (!g.has_positive) continue;
    ++s.listed;
    std::vector<float> sc(g.labels.size());
    float truth = 0;
    for (size_t i = 0; i < g.labels.size(); ++i) {
      for (size_t f = 0; f < kFeatureCount; ++f) row[f] = mask[f] ? NAN : g.rows[i * kFeatureCount + f];
      sc[i] = e.predict(row);
      if (g.labels[i]) truth = sc[i];
    }
    size_t rank = 1;
    for (size_t i = 0; i < sc.size(); ++i)
      if (!g.labels[i] && sc[i] >= truth) ++rank;
    s.top1 += rank == 1;
    s.top5 += rank <= 5;
    s.rr += 1.0 / double(rank);
  }
  return s;
}

struct Params {
  std::string objective = "rank:ndcg";
  int rounds = 400, depth = 6, patience = 40, threads = 2;
  double eta = 0.1, min_child_weight = 10, subsample = 1.0;
};

// Returns XGBoost's JSON model, sliced at the best valid round.
std::string train(const Matrix& tr, const Matrix& va, const Params& p, int* best_round, double* best_metric,
                  bool verbose) {
  BoosterHandle h;
  DMatrixHandle both[2] = {tr.h, va.h};
  check(XGBoosterCreate(both, 2, &h), "booster");
  auto set = [&](const char* k, const std::string& v) { check(XGBoosterSetParam(h, k, v.c_str()), k); };
  set("objective", p.objective);
  set("eval_metric", "ndcg@5-");
  set("max_depth", std::to_string(p.depth));
  set("eta", std::to_string(p.eta));
  set("min_child_weight", std::to_string(p.min_child_weight));
  set("subsample", std::to_string(p.subsample));
  set("tree_method", "hist");
  set("nthread", std::to_string(p.threads));
  set("seed", "1");
  double best = -1;
  int best_it = 0;
  const char* names[1] = {"valid"};
  DMatrixHandle evs[1] = {va.h};
  for (int it = 0; it < p.rounds; ++it) {
    check(XGBoosterUpdateOneIter(h, it, tr.h), "update");
    const char* res;
    check(XGBoosterEvalOneIter(h, it, evs, names, 1, &res), "eval");
    std::string r(res);
    double v = std::stod(r.substr(r.rfind(':') + 1));
    if (v > best) best = v, best_it = it;
    if (verbose && it % 20 == 0) fmt::print(stderr, "round {}: {}\n", it, r);
    if (it - best_it >= p.patience) break;
  }
  BoosterHandle sliced;
  check(XGBoosterSlice(h, 0, best_it + 1, 1, &sliced), "slice");
  bst_ulong len;
  const char* buf;
  check(XGBoosterSaveModelToBuffer(sliced, R"({"format": "json"})", &len, &buf), "save");
  std::string out(buf, len);
  XGBoosterFree(sliced);
  XGBoosterFree(h);
  *best_round = best_it + 1;
  *best_metric = best;
  return out;
}

// The largest |ours - XGBoost's| over the first rows of `m`: the evaluator must agree with the library.
double parity(const std::string& model_json, const TreeEnsemble& ours, const Matrix& m) {
  BoosterHandle h;
  check(XGBoosterCreate(nullptr, 0, &h), "booster");
  check(XGBoosterLoadModelFromBuffer(h, model_json.data(), model_json.size()), "load");
  bst_ulong n;
  const float* pred;
  check(XGBoosterPredict(h, m.h, 1 /* margin */, 0, 0, &n, &pred), "predict");
  double worst = 0;
  for (size_t i = 0; i < n && i < 200000; ++i)
    worst = std::max(worst, double(std::fabs(ours.predict({m.x.data() + i * kFeatureCount, kFeatureCount}) - pred[i])));
  XGBoosterFree(h);
  return worst;
}

const std::vector<std::pair<const char*, std::vector<Feature>>> kGroups = {
    {"model", {kLogit, kLogitGap, kModelRank, kModelProb, kModelTop}},
    {"file",
     {kFileKeyBefore, kFileKeyAfter, kFileAnyBefore, kFileAnyAfter, kLinesSinceKey, kLinesSinceAny, kFileKeyShare,
      kTransition}},
    {"project", {kProjectKey, kProjectAny, kProjectKeyShare}},
    {"class", {kIsStub, kIsProjectMember, kMemberDepth, kKind, kInEnclosingClass, kClassKnown}},
    {"name", {kPrivate, kDunder, kNameLength}},
    {"context", {kReceiverKind, kCandidates}},
};

// An XGBoost JSON model, or the JSON ranker file that builds before the .dwr format wrote (the
// XGBoost model under "xgboost", checked against our feature list and the model's fingerprint).
std::pair<std::string, nlohmann::json> import_xgboost(const std::string& path, uint64_t fingerprint) {
  using Json = nlohmann::json;
  auto r = read_file(path, 256u << 20);
  if (!r.error.empty()) throw std::runtime_error(path + ": " + r.error);
  Json j = Json::parse(r.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error(path + ": not JSON");
  Json info = {{"imported_from", std::filesystem::path(path).filename().string()}};
  if (j.value("format", "") != "dotwise-ranker") return {r.data, info};
  const Json& feats = j.contains("features") ? j["features"] : Json();
  bool same = feats.is_array() && feats.size() == kFeatureCount;
  for (size_t i = 0; same && i < kFeatureCount; ++i)
    same = feats[i].is_string() && feats[i].get<std::string>() == kFeatureNames[i];
  if (!same) throw std::runtime_error(path + ": trained on another feature list");
  if (j.value("model_fingerprint", "") != fmt::format("{:016x}", fingerprint))
    throw std::runtime_error(path + ": trained for another model");
  if (!j.contains("xgboost") || !j["xgboost"].is_object()) throw std::runtime_error(path + ": no xgboost model inside");
  if (j.contains("info")) info["trained"] = j["info"];
  return {j["xgboost"].dump(), info};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("dotwise-ranker: train the learned ranker (XGBoost LambdaMART) on editor-protocol rows");
  std::string train_path, valid_path, test_path, model_path, out;
  Params p;
  bool ablate = false, verbose = false;
  std::string xgb_json, import_path;
  app.add_option("--train", train_path, "Training rows (dotwise eval --protocol editor --dump-features)");
  app.add_option("--valid", valid_path, "Rows for early stopping");
  app.add_option("--test", test_path, "Rows to report on (never used for fitting or stopping)");
  app.add_option("--model", model_path, "The .dwm the rows were computed with (its fingerprint goes in the file)")
      ->required();
  app.add_option("-o,--output", out, "The ranker file (default: MODEL's .dwr)");
  app.add_option("--objective", p.objective, "rank:ndcg or rank:pairwise")
      ->check(CLI::IsMember({"rank:ndcg", "rank:pairwise", "rank:map"}))
      ->capture_default_str();
  app.add_option("--rounds", p.rounds, "Boosting rounds at most")->capture_default_str();
  app.add_option("--depth", p.depth, "Tree depth")->capture_default_str();
  app.add_option("--eta", p.eta, "Learning rate")->capture_default_str();
  app.add_option("--min-child-weight", p.min_child_weight)->capture_default_str();
  app.add_option("--patience", p.patience, "Rounds without a better valid ndcg@5 before stopping")
      ->capture_default_str();
  app.add_option("--threads", p.threads)->capture_default_str();
  app.add_flag("--ablate", ablate, "Also retrain with each feature group removed and report test scores");
  app.add_flag("-v,--verbose", verbose);
  app.add_option("--xgboost-json", xgb_json, "Also write XGBoost's own JSON model here");
  app.add_option("--import", import_path,
                 "No training: write the ranker file from this XGBoost JSON model (or a format-1 "
                 "dotwise-ranker JSON file) trained on rows of the same features")
      ->excludes("--train", "--valid", "--test", "--ablate");
  CLI11_PARSE(app, argc, argv);
  if (import_path.empty() && (train_path.empty() || valid_path.empty())) {
    fmt::print(stderr, "dotwise-ranker: --train and --valid are required (or --import)\n");
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    ModelFile mf = ModelFile::open(model_path);
    if (out.empty()) out = ranker_path_for(model_path).string();
    if (!import_path.empty()) {
      auto [xgb, info] = import_xgboost(import_path, model_fingerprint(mf));
      TreeEnsemble e = TreeEnsemble::from_xgboost_json(xgb, kFeatureCount);
      write_file_atomic(out, ranker_file_bytes(e, model_fingerprint(mf), info.dump()));
      if (!xgb_json.empty()) write_file_atomic(xgb_json, xgb);
      fmt::print("{}\n", nlohmann::json{{"ranker", out}, {"trees", e.trees()}, {"imported_from", import_path}}.dump(2));
      return 0;
    }
    auto tr_g = read_feature_file(train_path), va_g = read_feature_file(valid_path);
    std::vector<FeatureGroup> te_g;
    if (!test_path.empty()) te_g = read_feature_file(test_path);
    std::vector<bool> none(kFeatureCount, false);
    auto run = [&](const std::vector<bool>& mask, std::string* json_out, nlohmann::json& report) {
      Matrix tr, va;
      fill(tr, tr_g, mask);
      fill(va, va_g, mask);
      int best_round;
      double best;
      std::string js = train(tr, va, p, &best_round, &best, verbose);
      TreeEnsemble e = TreeEnsemble::from_xgboost_json(js, kFeatureCount);
      report = {{"rounds", best_round}, {"valid_ndcg5", best}, {"valid", score(e, va_g, mask).json()}};
      if (!te_g.empty()) report["test"] = score(e, te_g, mask).json();
      if (json_out) {
        report["parity_max_abs_diff"] = parity(js, e, va);
        *json_out = js;
      }
    };
    nlohmann::json info;
    info["objective"] = p.objective;
    info["params"] = {{"depth", p.depth}, {"eta", p.eta}, {"min_child_weight", p.min_child_weight}};
    info["train_groups"] = tr_g.size();
    info["valid_groups"] = va_g.size();
    std::string js;
    nlohmann::json main_report;
    run(none, &js, main_report);
    info["result"] = main_report;
    write_file_atomic(
        out, ranker_file_bytes(TreeEnsemble::from_xgboost_json(js, kFeatureCount), model_fingerprint(mf), info.dump()));
    if (!xgb_json.empty()) write_file_atomic(xgb_json, js);
    nlohmann::json report = {{"ranker", out}, {"full", main_report}};
    if (ablate)
      for (const auto& [name, feats] : kGroups) {
        std::vector<bool> mask(kFeatureCount, false);
        for (auto f : feats) mask[f] = true;
        nlohmann::json r;
        run(mask, nullptr, r);
        report["without"][name] = r;
      }
    report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("{}\n", report.dump(2));
  } catch (const std::exception& e) {
    fmt::print(stderr, "dotwise-ranker: {}\n", e.what());
    return 1;
  }
  return 0;
}
