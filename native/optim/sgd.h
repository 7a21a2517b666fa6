// SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule): the first
// Optimizer (optimizer.h). Written out here rather than using torch::optim::SGD so that momentum
// buffers are addressable per parameter (inspection, checkpoints, the reference-code reset) in
// the same way on every libtorch version.
#pragma once

#include "optimizer.h"

#include <string>
#include <vector>

namespace layerout {

// What one SGD update reads of the hyper-parameters.
struct SgdSettings {
  double lr, momentum, weightDecay;
  double dampening = 0;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<torch::Tensor> params, std::vector<std::string> names);
  // Unnamed parameters (the fused kernel's self-check).
  explicit Sgd(std::vector<torch::Tensor> params);

  std::string kind() const override { return "sgd"; }
  // Updates every parameter that has a gradient; parameters without one are untouched. Reads
  // lr, momentum, weightDecay, dampening and nesterov (0 or 1). CPU float parameters take the
  // fused kernel (sgd_kernel.h) where fusedSgdActive() and there is neither dampening nor
  // Nesterov momentum, with the same result bit for bit; the rest take libtorch's multi-tensor ops.
  void step(const OptimizerHyper& hyper) override;
  void step(const SgdSettings& settings, bool fused);
  std::vector<std::string> stateNames() const override { return {kMomentum}; }
  torch::Tensor& state(size_t i, const std::string& name) override;
  // Forgets every momentum buffer.
  void resetState() override;

  std::vector<torch::Tensor>& momentum() { return momentum_; }

  static constexpr const char* kMomentum = "momentum_buffer";

 private:
  void stepFused(size_t i, const SgdSettings& hyper);
  void stepForeach(const std::vector<size_t>& indices, const SgdSettings& hyper);

  std::vector<torch::Tensor> momentum_;  // undefined until a parameter's first update
};

// Whether the fused kernel runs: this CPU has it, it matched the multi-tensor path bit for bit
// (checked once per process), and neither LAYEROUT_FUSED_SGD=0 nor setFusedSgdAllowed(false)
// turned it off.
bool fusedSgdActive();
bool fusedSgdVerified();
void setFusedSgdAllowed(bool allowed);
// For runtimeInfo, without running the check: "on", "off" (turned off), "unchecked" (no update
// has run yet), "unsupported" (no AVX2/FMA) or "mismatch" (the check failed; never used).
std::string fusedSgdState();

}  // namespace layerout
