// Data-parallel plumbing, Horovod-style: every process holds the whole model and sums gradients
// with an allreduce (c10d ProcessGroupGloo over TCP). The group is found from the environment, so
// the same binary runs as 2 local processes or N processes on N machines:
//   RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT   (torchrun-style), or
//   OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE   (mpirun; MASTER_ADDR/PORT still name rank 0).
// Without them the group is a single process and every call is a no-op.
#pragma once
#include <cstddef>
#include <memory>

namespace dw::train {

class Comm {
 public:
  static std::unique_ptr<Comm> from_env();
  virtual ~Comm() = default;
  virtual int rank() const { return 0; }
  virtual int world() const { return 1; }
  virtual void allreduce_sum(float* data, size_t n) {
    (void)data;
    (void)n;
  }
  virtual void allreduce_sum(double* data, size_t n) {
    (void)data;
    (void)n;
  }
  virtual void barrier() {}
};

}  // namespace dw::train
