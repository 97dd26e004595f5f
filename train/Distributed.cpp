#include "train/Distributed.h"

#include <torch/torch.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace dw::train {
namespace {

const char* env(const char* a, const char* b = nullptr) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (b)
    if (const char* v = std::getenv(b); v && *v) return v;
  return nullptr;
}

int env_int(const char* v, const char* what) {
  try {
    return std::stoi(v);
  } catch (...) {
    throw std::runtime_error(std::string("bad ") + what + " '" + v + "'");
  }
}

class GlooComm final : public Comm {
 public:
  GlooComm(int rank, int world, const std::string& host, int port) : rank_(rank), world_(world) {
    c10d::TCPStoreOptions so;
    so.port = uint16_t(port);
    so.isServer = rank == 0;
    so.numWorkers = size_t(world);
    so.timeout = std::chrono::minutes(5);
    auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto opts = c10d::ProcessGroupGloo::Options::create();
    opts->timeout = std::chrono::minutes(30);
    opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
  }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  void allreduce_sum(float* data, size_t n) override { reduce(torch::from_blob(data, {int64_t(n)}, torch::kFloat)); }
  void allreduce_sum(double* data, size_t n) override { reduce(torch::from_blob(data, {int64_t(n)}, torch::kDouble)); }
  void barrier() override { pg_->barrier()->wait(); }

 private:
  void reduce(torch::Tensor t) {
    if (t.numel() == 0) return;
    std::vector<torch::Tensor> v{t};
    pg_->allreduce(v)->wait();  // in place: t views the caller's buffer
  }
  int rank_, world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};

}  // namespace

std::unique_ptr<Comm> Comm::from_env() {
  const char* r = env("RANK", "OMPI_COMM_WORLD_RANK");
  const char* w = env("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE");
  if (!r || !w) return std::make_unique<Comm>();
  int rank = env_int(r, "RANK"), world = env_int(w, "WORLD_SIZE");
  if (world < 1 || rank < 0 || rank >= world) throw std::runtime_error("RANK/WORLD_SIZE out of range");
  if (world == 1) return std::make_unique<Comm>();
  const char* host = env("MASTER_ADDR");
  const char* port = env("MASTER_PORT");
  return std::make_unique<GlooComm>(rank, world, host ? host : "127.0.0.1",
                                    port ? env_int(port, "MASTER_PORT") : 29500);
}

}  // namespace dw::train
