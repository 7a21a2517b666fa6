// SGD with momentum and weight decay (PyTorch's rule, dampening 0, no Nesterov).
// Written out here rather than using torch::optim::SGD so that momentum buffers are
// addressable per parameter (inspection, checkpoints, the reference-code reset) in the same
// way on every libtorch version.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace layerout {

struct SgdHyper {
  double lr = 0.01;
  double momentum = 0.9;
  double weightDecay = 5e-4;
};

class Sgd {
 public:
  explicit Sgd(std::vector<torch::Tensor> params);

  // Updates every parameter that has a gradient; parameters without one are untouched. CPU
  // float parameters take the fused kernel (sgd_kernel.h) where fusedSgdActive(), with the
  // same result bit for bit; the rest take libtorch's multi-tensor ops.
  void step(const SgdHyper& hyper);
  void step(const SgdHyper& hyper, bool fused);
  // Sets every gradient to undefined (PyTorch's set_to_none).
  void clearGrads();
  // Forgets every momentum buffer (the authors' code rebuilds its optimizer each epoch).
  void resetMomentum();

  const std::vector<torch::Tensor>& params() const { return params_; }
  std::vector<torch::Tensor>& momentum() { return momentum_; }
  // Index of a parameter in params(), or -1.
  int64_t indexOf(const torch::Tensor& p) const;

 private:
  void stepFused(size_t i, const SgdHyper& hyper);
  void stepForeach(const std::vector<size_t>& indices, const SgdHyper& hyper);

  std::vector<torch::Tensor> params_;
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
