// Adam and AdamW (optimizer.h), written as torch.optim.Adam/AdamW(foreach=True) of libtorch 1.13
// so that the weights match theirs bit for bit (scripts/peer/peer.py checks it). Per parameter:
// its own step count and first and second moments, PyTorch's names ("step", "exp_avg",
// "exp_avg_sq"). A frozen parameter (no gradient) keeps all three and its bytes; when it trains
// again its bias correction continues from its own step count.
#pragma once

#include "optimizer.h"

#include <string>
#include <vector>

namespace layerout {

class Adam : public Optimizer {
 public:
  // `decoupled`: AdamW (the decay shrinks the weights, lr * weightDecay, instead of joining the
  // gradient as Adam's L2 term does).
  Adam(std::vector<torch::Tensor> params, std::vector<std::string> names, bool decoupled);

  std::string kind() const override { return decoupled_ ? "adamw" : "adam"; }
  // Reads lr, weightDecay, beta1, beta2 and eps.
  void step(const OptimizerHyper& hyper) override;
  std::vector<std::string> stateNames() const override { return {kStep, kExpAvg, kExpAvgSq}; }
  torch::Tensor& state(size_t i, const std::string& name) override;
  void resetState() override;

  static constexpr const char* kStep = "step";
  static constexpr const char* kExpAvg = "exp_avg";
  static constexpr const char* kExpAvgSq = "exp_avg_sq";

 private:
  bool decoupled_;
  // Undefined until a parameter's first update. `step` is a float32 scalar, as PyTorch keeps it.
  std::vector<torch::Tensor> step_, expAvg_, expAvgSq_;
};

}  // namespace layerout
