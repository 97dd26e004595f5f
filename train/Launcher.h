// Process set-up for fast CPU training, and the local multi-process launcher.
//
// Allocator: libtorch allocates and frees multi-megabyte activation buffers every step. glibc serves
// those with mmap/munmap and trims the heap after each free, so every step page-faults its buffers in
// again; here that made a step ~5x slower. tune_allocator() does what MALLOC_MMAP_MAX_=0
// MALLOC_TRIM_THRESHOLD_=4294967295 MALLOC_TOP_PAD_=268435456 would (mallopt before any big
// allocation): big blocks come from the heap and stay there. Set DOTWISE_MALLOC=default to compare.
// Threads: one intra-op thread per core available to this process (cores / local processes);
// OpenBLAS (the OpenMP build) follows torch's OpenMP thread count.
#pragma once
#include <string>
#include <vector>

namespace dw::train {

void tune_allocator();

// BLAS kernels: OpenBLAS (Debian's DYNAMIC_ARCH build, 0.3.21) picks its kernels from the CPU when the
// library loads, before main. On a CPU with AVX512-BF16 it picks its Cooperlake kernels, and there one
// training step took 2.5x as long as with its SkylakeX kernels (perf: 66% of the time in sgemm; 7.2k
// vs 18.2k tokens/s at batch 256, 1 thread, Xeon VM). So on such a CPU, with OPENBLAS_CORETYPE unset,
// this sets it to SkylakeX and re-executes the program (the choice is made at load time; setting the
// variable later does nothing). OPENBLAS_CORETYPE set by the user, or DOTWISE_BLAS=default, is left
// alone. Returns only when no re-execution happened.
void tune_blas(char** argv);
// threads = 0: hardware cores / procs_on_this_machine.
int configure_threads(unsigned threads, unsigned procs_on_this_machine);

// Runs `procs` copies of this executable with `args` on this machine as one data-parallel group
// (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set, rank 0 the store); returns the first non-zero exit
// status, or 0. If one rank fails the others are stopped.
int launch_local(unsigned procs, const std::vector<std::string>& args);

// True when this process is a rank of a group (the environment names one).
bool in_group();

}  // namespace dw::train
