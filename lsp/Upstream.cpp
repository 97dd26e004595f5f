#include "lsp/Upstream.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace dw::lsp {

Upstream::Upstream(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::runtime_error("no upstream command");
  int in[2], out[2], err_pipe[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    int e = errno;  // tell the parent why through the close-on-exec pipe
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err_pipe[1]);
  int e = 0;
  ssize_t n;
  do n = ::read(err_pipe[0], &e, sizeof e);
  while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  to_child_ = in[1];
  from_child_ = out[0];
  if (n == sizeof e) {
    ::close(to_child_);
    ::close(from_child_);
    ::waitpid(pid_, nullptr, 0);
    reaped_ = true;
    throw std::runtime_error("cannot start '" + argv[0] + "': " + std::strerror(e));
  }
  io_ = std::make_unique<Transport>(from_child_, to_child_);
  writer_ = std::thread([this] { writer_loop(); });
}

void Upstream::post(const Json& message) {
  std::string body = json_text(message);
  {
    std::lock_guard lk(queue_mu_);
    queue_.push_back(std::move(body));
  }
  queue_cv_.notify_one();
}

void Upstream::writer_loop() {
  std::unique_lock lk(queue_mu_);
  for (;;) {
    queue_cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopped, and everything was written
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    lk.unlock();
    bool ok = io_->write_raw(body);
    lk.lock();
    if (!ok) queue_.clear();  // the process is gone: its reader sees the end
  }
  writer_done_ = true;
}

bool Upstream::wait_exit(int ms) {
  if (reaped_) return true;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return reaped_ = true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Upstream::~Upstream() {
  {
    std::lock_guard lk(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  // What is queued still goes out; a process that stopped reading is killed so the write fails.
  for (int i = 0; i < 400 && !writer_done_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!writer_done_) ::kill(pid_, SIGKILL);
  writer_.join();
  io_->close_output();
  if (!wait_exit(2000)) {
    ::kill(pid_, SIGKILL);
    wait_exit(2000);
  }
  ::close(from_child_);
}

}  // namespace dw::lsp
