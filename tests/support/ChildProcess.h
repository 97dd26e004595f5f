// Child processes for the tests: run a shell command for its output; for the kill -9 tests, start a
// command (output discarded), wait for it, and read back the files a run left in a directory.
#pragma once
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/FileIO.h"

namespace dw::test {

// The `dotwise` binary of the build the tests belong to.
inline std::string dotwise_binary() { return std::string(DOTWISE_BINARY_DIR) + "/cli/dotwise"; }

// Runs `cmd` through the shell; returns its exit status (-1 if it did not exit) and fills `out` with its
// stdout. Append " 2>&1" to the command to read stderr as well.
inline int run_shell(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

inline pid_t spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (int null = ::open("/dev/null", O_WRONLY); null >= 0) {  // keep the test log readable
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

inline int wait_for(pid_t pid) {
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Every file of a directory (name -> bytes), leftover temp files (`NAME.tmp.PID`) apart.
inline std::map<std::string, std::string> contents(const std::filesystem::path& dir, size_t* temps = nullptr) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) {
      if (temps) ++*temps;
      continue;
    }
    out[name] = read_file(e.path()).data;
  }
  return out;
}

}  // namespace dw::test
