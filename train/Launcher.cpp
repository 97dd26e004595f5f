#include "train/Launcher.h"

#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "train/Model.h"

namespace dw::train {

void tune_allocator() {
  const char* m = std::getenv("DOTWISE_MALLOC");
  if (m && std::string(m) == "default") return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // never give heap top back
  mallopt(M_TOP_PAD, 256 << 20);
}

namespace {
// The "flags" line of /proc/cpuinfo holds every one of `want`.
bool cpu_has(std::initializer_list<const char*> want) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("flags")) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> have{std::istream_iterator<std::string>(words), {}};
    for (const char* w : want)
      if (!have.contains(w)) return false;
    return true;
  }
  return false;
}
}  // namespace

void tune_blas(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  if (const char* b = std::getenv("DOTWISE_BLAS"); b && std::string(b) == "default") return;
  if (!cpu_has({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_bf16"})) return;
  ::setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: go on with the kernels already chosen
}

int configure_threads(unsigned threads, unsigned procs) {
  if (threads == 0) {
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    threads = std::max(1u, cores / std::max(1u, procs));
  }
  Model::set_threads(int(threads));
  return int(threads);
}

bool in_group() {
  for (const char* v : {"RANK", "OMPI_COMM_WORLD_RANK"})
    if (const char* e = std::getenv(v); e && *e) return true;
  return false;
}

namespace {
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 29500;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 29500;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}
}  // namespace

int launch_local(unsigned procs, const std::vector<std::string>& args) {
  auto exe = std::filesystem::read_symlink("/proc/self/exe");
  std::string port = std::to_string(free_port()), world = std::to_string(procs);
  std::vector<pid_t> kids;
  for (unsigned r = 0; r < procs; ++r) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", world.c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", world.c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      std::vector<std::string> a{exe.string()};
      a.insert(a.end(), args.begin(), args.end());
      std::vector<char*> c;
      for (auto& s : a) c.push_back(s.data());
      c.push_back(nullptr);
      ::execv(exe.c_str(), c.data());
      std::_Exit(127);
    }
    kids.push_back(pid);
  }
  int rc = 0;
  std::vector<bool> alive(kids.size(), true);
  for (size_t left = kids.size(); left > 0; --left) {
    int status = 0;
    pid_t done = ::wait(&status);
    if (done < 0) break;
    for (size_t i = 0; i < kids.size(); ++i)
      if (kids[i] == done) alive[i] = false;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (code != 0 && rc == 0) {
      rc = code;
      for (size_t i = 0; i < kids.size(); ++i)  // a rank died: the others would wait for it forever
        if (alive[i]) ::kill(kids[i], SIGTERM);
    }
  }
  return rc;
}

}  // namespace dw::train
