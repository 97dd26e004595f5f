#include "support/FileIO.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace dw {
namespace {
// When task `pid` started, in clock ticks since boot (/proc/PID/stat, field 22); nullopt if none runs.
std::optional<uint64_t> start_time(long pid) {
  std::string stat;  // procfs files report size 0: read to the end, not by the size (read_file)
  if (FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "re")) {
    char buf[1024];
    stat.assign(buf, std::fread(buf, 1, sizeof buf, f));
    std::fclose(f);
  }
  const size_t paren = stat.rfind(')');  // the command name before it may hold spaces and ')'
  if (paren == std::string::npos) return std::nullopt;
  size_t at = paren + 1;
  for (int field = 3; field <= 22; ++field) {
    at = stat.find_first_not_of(' ', at);
    if (at == std::string::npos) return std::nullopt;
    if (field == 22) return std::strtoull(stat.c_str() + at, nullptr, 10);
    at = stat.find(' ', at);
  }
  return std::nullopt;
}

std::string temp_suffix() {
  thread_local long cached_pid = 0;  // a forked child gets its own
  thread_local std::string suffix;
  if (const long pid = long(::getpid()); pid != cached_pid) {
    cached_pid = pid;
    suffix = ".tmp." + std::to_string(pid) + "-" + std::to_string(start_time(pid).value_or(0));
  }
  return suffix;
}
}  // namespace

ReadResult read_file(const std::filesystem::path& p, uint64_t max_bytes) {
  ReadResult r;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.error = std::strerror(errno);
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.error = "not a regular file";
    ::close(fd);
    return r;
  }
  if (uint64_t(st.st_size) > max_bytes) {
    r.too_large = true;
    r.error = "file larger than the limit";
    ::close(fd);
    return r;
  }
  r.data.resize(size_t(st.st_size));
  size_t got = 0;
  while (got < r.data.size()) {
    ssize_t n = ::read(fd, r.data.data() + got, r.data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // file shrank while reading: keep what we have
    got += size_t(n);
  }
  r.data.resize(got);
  ::close(fd);
  return r;
}

std::filesystem::path temp_path(const std::filesystem::path& p) {
  auto tmp = p;
  tmp += temp_suffix();
  return tmp;
}

void write_file_atomic(const std::filesystem::path& p, std::string_view data) {
  const auto tmp = temp_path(p);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp.string() + ": " + std::strerror(errno));
  size_t put = 0;
  while (put < data.size()) {
    ssize_t n = ::write(fd, data.data() + put, data.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(e));
    }
    put += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot flush " + tmp.string() + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + p.string() + ": " + std::strerror(e));
  }
  // Make the rename itself durable.
  auto dir = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

size_t remove_stale_temps(const std::filesystem::path& dir) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 == name.size()) continue;
    const std::string id = name.substr(at + 5);  // PID-START, or PID alone (older writers)
    const size_t dash = id.find('-');
    const std::string pid = id.substr(0, dash), start = dash == std::string::npos ? "" : id.substr(dash + 1);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (start.find_first_not_of("0123456789") != std::string::npos || start.size() > 19) continue;
    if (start.empty() || start == "0") {  // no start time known (older writers, no /proc)
      if (::kill(pid_t(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;  // its writer may still be at it
    } else if (const auto now = start_time(std::stol(pid)); now && *now == std::stoull(start)) {
      continue;  // the writer itself, still at it
    }
    std::error_code rm;
    if (std::filesystem::remove(e.path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace dw
