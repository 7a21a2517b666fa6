// libtorch's profiler around the addon's own work: self time per operator (time inside an
// operator minus the operators it called), so nested calls are never counted twice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace layerout {

// The most steps one profile may cover (its events stay in memory until it ends).
constexpr int64_t kMaxProfiledSteps = 1000;

// The optimizer's update is recorded under this name (its operators are attributed to it).
constexpr const char* kOptimizerScope = "Optimizer.step#layerout.Sgd";

struct OperatorTime {
  std::string name;
  double selfMs = 0;
  int64_t calls = 0;
};

// Profiles the CPU operators run on this thread (and the autograd work it starts) from
// construction until finish(); the largest self time first. Operators inside an optimizer step
// (PyTorch's "Optimizer.step#..." scopes and kOptimizerScope) are reported as
// "Optimizer.step > NAME", so the step's phases can count them as the update.
class OperatorProfiler {
 public:
  OperatorProfiler();
  ~OperatorProfiler();
  OperatorProfiler(const OperatorProfiler&) = delete;
  OperatorProfiler& operator=(const OperatorProfiler&) = delete;
  std::vector<OperatorTime> finish();

 private:
  bool active_ = false;
};

}  // namespace layerout
