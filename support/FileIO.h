// Whole-file reads with a size cap and crash-safe writes (temp file + fsync + rename), so that a
// kill at any moment leaves either the old complete file or the new complete one on disk.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dw {

struct ReadResult {
  std::string data;
  std::string error;  // empty on success
  bool too_large = false;
};

ReadResult read_file(const std::filesystem::path& p, uint64_t max_bytes = UINT64_MAX);

// Writes `data` to `p` atomically (through temp_path(p)). Throws std::runtime_error with the reason on failure.
void write_file_atomic(const std::filesystem::path& p, std::string_view data);
// The temp file this process writes `p` through.
std::filesystem::path temp_path(const std::filesystem::path& p);

// Removes the temp files (`NAME.tmp.PID-START`, START the writer's start time) that writers killed
// mid-write left in `dir` (not recursive), keeping those of processes still alive. A PID alone
// would not do: after a kill the PID is soon another process's (or thread's). Returns how many were
// removed.
size_t remove_stale_temps(const std::filesystem::path& dir);

}  // namespace dw
