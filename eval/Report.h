// What `dotwise eval` shows: metrics per protocol, ranker and completion class, paired comparisons,
// as a terminal table, as JSON, and as gnuplot charts (top-k curves, per-class bars).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/Bootstrap.h"
#include "eval/Evaluate.h"
#include "eval/Metrics.h"

namespace dw {

struct ProtocolSummary {
  std::string name;                              // "vocabulary" or "typed"
  uint64_t sites = 0, misses = 0;                // misses: true member not among the candidates
  std::vector<RankTally> overall;                // per ranker
  std::vector<std::vector<RankTally>> by_class;  // [ranker][class index of EvalRun::classes]
  std::vector<uint64_t> class_sites;             // per class
};

ProtocolSummary summarize(const EvalRun& run, const ProtocolRanks& p, const std::string& name);

// Classes by number of sites, largest first (ties by name), "(unknown)" left out.
std::vector<uint32_t> largest_classes(const ProtocolSummary& s, const EvalRun& run, size_t n);

struct Comparison {
  std::string protocol, a, b;
  uint64_t sites = 0;
  PairedDiff top1, mrr;  // a minus b
};

// Compares rankers a and b on every site of both protocols. Throws std::invalid_argument for an unknown name.
std::vector<Comparison> compare_rankers(const EvalRun& run, const std::string& a, const std::string& b,
                                        int iterations = 1000, uint64_t seed = 1);

std::string format_report(const EvalRun& run, const std::vector<Comparison>& cmp, size_t top_classes = 20);
nlohmann::json report_json(const EvalRun& run, const std::vector<Comparison>& cmp, size_t json_classes = 100);

// Writes the data, the gnuplot scripts and the charts (format "svg" or "png") into dir; returns the
// chart paths. Throws std::runtime_error when gnuplot fails (the data and scripts stay for a re-run).
std::vector<std::filesystem::path> write_plots(const EvalRun& run, const std::filesystem::path& dir,
                                               const std::string& format = "svg", size_t top_classes = 20);

}  // namespace dw
