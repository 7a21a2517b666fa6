// SGD with momentum and weight decay (PyTorch's rule, dampening 0, no Nesterov).
// Written out here rather than using torch::optim::SGD so that momentum buffers are
// addressable per parameter (inspection, checkpoints, the reference-code reset) in the same
// way on every libtorch version.
#pragma once

#include <torch/torch.h>

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

  // Updates every parameter that has a gradient; parameters without one are untouched.
  void step(const SgdHyper& hyper);
  // Sets every gradient to undefined (PyTorch's set_to_none).
  void clearGrads();
  // Forgets every momentum buffer (the authors' code rebuilds its optimizer each epoch).
  void resetMomentum();

  const std::vector<torch::Tensor>& params() const { return params_; }
  std::vector<torch::Tensor>& momentum() { return momentum_; }
  // Index of a parameter in params(), or -1.
  int64_t indexOf(const torch::Tensor& p) const;

 private:
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> momentum_;  // undefined until a parameter's first update
};

}  // namespace layerout
