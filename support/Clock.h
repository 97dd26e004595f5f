// Milliseconds on the monotonic clock, for the timings the server traces and the benchmarks print.
#pragma once
#include <time.h>

#include <chrono>

namespace dw {

using SteadyTime = std::chrono::steady_clock::time_point;

inline double ms_since(SteadyTime t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// CPU time of the calling thread: what a step cost us, apart from time the scheduler gave to other
// processes (on a 2-core machine the upstream server's threads compete for both cores).
inline double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

}  // namespace dw
