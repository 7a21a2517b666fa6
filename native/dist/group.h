// A data-parallel process group on PyTorch's c10d (Gloo): the rendezvous through a store and
// the few collectives a data-parallel epoch needs. Every call blocks until all ranks have made
// it: call from the compute thread only, and in the same order on every rank (a rank whose
// collectives differ from its peers' makes Gloo abort the process, so callers agree first).
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

namespace layerout {

struct GroupOptions {
  int64_t rank = 0;
  int64_t world = 1;
  // Rendezvous: a FileStore at `storePath` (one machine: nothing listens on the network), or
  // else a TCPStore that rank 0 serves on masterHost:masterPort.
  std::string storePath;
  std::string masterHost;
  int64_t masterPort = 0;
  // Gloo's transport: a network interface name, or "" for the loopback address (FileStore) or
  // this machine's hostname (TCPStore).
  std::string iface;
  std::chrono::milliseconds timeout{60000};
};

// True when this build links c10d's Gloo process group (Gloo's headers were found at build time).
bool c10dAvailable();

// A failure of the group (rendezvous, a collective, a lost rank): its message is complete.
class GroupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Agreement {
  bool equal = true;  // every rank passed the same values
  bool stop = false;  // some rank asked to stop
};

class Group {
 public:
  // Joins (or, as rank 0, opens) the group; throws a message naming the rendezvous on failure.
  static std::shared_ptr<Group> join(const GroupOptions& options);
  virtual ~Group() = default;

  virtual int64_t rank() const = 0;
  virtual int64_t world() const = 0;
  // Starts summing `tensor` over the ranks in place; the returned call waits for it (and throws
  // what failed). Every rank must start the same all-reduces in the same order.
  using Wait = std::function<void()>;
  virtual Wait startAllreduce(torch::Tensor tensor, const char* what) = 0;
  // Sums each tensor elementwise over the ranks, in place; all are in flight together.
  void allreduceSum(std::vector<torch::Tensor>& tensors, const char* what) {
    std::vector<Wait> waits;
    for (auto& t : tensors) waits.push_back(startAllreduce(t, what));
    for (auto& wait : waits) wait();
  }
  // Replaces each tensor with rank 0's.
  virtual void broadcast(std::vector<torch::Tensor>& tensors, const char* what) = 0;
  // Rank 0's bytes on every rank (other ranks' `bytes` are ignored).
  virtual std::string broadcastBytes(const std::string& bytes) = 0;
  // Whether every rank passed the same values (fixed length on every rank), and whether any
  // rank passed stop. One collective of a size every rank knows, so it cannot mismatch.
  virtual Agreement agree(const std::vector<double>& values, bool stop) = 0;
  // Leaves in order: a barrier, then the process group, then the store (rank 0, which may
  // serve it, last).
  virtual void close() = 0;
};

using GroupPtr = std::shared_ptr<Group>;

}  // namespace layerout
