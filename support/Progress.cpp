#include "support/Progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace dw {

bool Progress::stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

std::string human_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "--";
  auto t = uint64_t(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, t % 3600 / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(stderr_is_tty()),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::set_total(uint64_t total) {
  std::lock_guard lk(mu_);
  total_ = total;
}

void Progress::advance(uint64_t n, const std::string& detail) {
  std::lock_guard lk(mu_);
  done_ += n;
  if (!detail.empty()) detail_ = detail;
  auto now = std::chrono::steady_clock::now();
  if (enabled_ && now - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  std::lock_guard lk(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = el > 0 ? double(done_) / el : 0;
  constexpr int kWidth = 28;
  double frac = total_ ? std::min(1.0, double(done_) / double(total_)) : 0;
  int fill = int(frac * kWidth);
  std::string bar(size_t(fill), '#');
  bar.resize(kWidth, '.');
  std::string eta = final ? human_duration(el) : (rate > 0 && total_ >= done_ ? human_duration(double(total_ - done_) / rate) : "--");
  std::fprintf(stderr, "\r\033[K%s [%s] %llu/%llu %s  %.0f %s/s  %s %s  %s", label_.c_str(), bar.c_str(),
               (unsigned long long)done_, (unsigned long long)total_, unit_.c_str(), rate, unit_.c_str(),
               final ? "took" : "ETA", eta.c_str(), detail_.c_str());
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace dw
