// The run's record: one JSON object per line in RUN/metrics.jsonl ({"kind":"train"|"valid", "step",
// "tokens", ...}) and RUN/curves.png, training loss and validation MRR/top-1 against tokens seen,
// drawn by gnuplot (skipped with a note when gnuplot is missing).
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace dw::train {

class MetricsLog {
 public:
  MetricsLog() = default;
  // keep_until_step: on resume, lines logged after the checkpoint are dropped (they will be redone).
  MetricsLog(const std::filesystem::path& path, bool resume, uint64_t keep_until_step);
  void write(const nlohmann::json& line);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Returns an empty string on success, else why no plot was drawn.
std::string plot_curves(const std::filesystem::path& jsonl, const std::filesystem::path& png);

}  // namespace dw::train
