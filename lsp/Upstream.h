// The upstream language server the proxy sits in front of: a child process talking LSP over its
// stdin/stdout (its stderr is ours, so its log lands in the editor's log).
#pragma once
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lsp/Transport.h"

namespace dw::lsp {

class Upstream {
 public:
  // Starts `argv`; throws std::runtime_error with the reason when it cannot.
  explicit Upstream(const std::vector<std::string>& argv);
  ~Upstream();  // closes its stdin, waits briefly, then kills it
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  Transport& io() { return *io_; }
  // Queues a message for its stdin, written in order by a thread of its own: a server busy analysing
  // stops reading, its pipe fills, and a direct write would stall the proxy (deadlines included).
  void post(const Json& message);
  pid_t pid() const { return pid_; }
  int stdin_fd() const { return to_child_; }  // raw bytes, for tests of bad input
  // Waits up to `ms` for the process to exit; true when it did.
  bool wait_exit(int ms);

 private:
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  bool reaped_ = false;
  std::unique_ptr<Transport> io_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::string> queue_;
  bool stop_ = false;
  std::atomic<bool> writer_done_{false};
  std::thread writer_;
  void writer_loop();
};

}  // namespace dw::lsp
