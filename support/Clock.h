// Milliseconds on the monotonic clock, for the timings the server traces and the benchmarks print.
#pragma once
#include <chrono>

namespace dw {

using SteadyTime = std::chrono::steady_clock::time_point;

inline double ms_since(SteadyTime t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace dw
