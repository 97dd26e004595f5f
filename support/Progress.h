// A one-line progress bar (items/s, ETA, free-form detail) drawn on stderr when it is a terminal,
// silent otherwise, so logs and CI output stay clean.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace dw {

class Progress {
 public:
  Progress(std::string label, uint64_t total, std::string unit = "files");
  ~Progress();
  void advance(uint64_t n = 1, const std::string& detail = {});
  void set_total(uint64_t total);
  void finish();
  static bool stderr_is_tty();

 private:
  void draw(bool final);
  std::string label_, unit_, detail_;
  uint64_t total_, done_ = 0;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mu_;
};

std::string human_duration(double seconds);

}  // namespace dw
