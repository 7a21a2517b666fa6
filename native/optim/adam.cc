#include "adam.h"

#include "../profile.h"

#include <ATen/record_function.h>

#include <cmath>
#include <stdexcept>

namespace layerout {

Adam::Adam(std::vector<torch::Tensor> params, std::vector<std::string> names, bool decoupled)
    : Optimizer(std::move(params), std::move(names)),
      decoupled_(decoupled),
      step_(params_.size()),
      expAvg_(params_.size()),
      expAvgSq_(params_.size()) {}

torch::Tensor& Adam::state(size_t i, const std::string& name) {
  if (name == kStep) return step_.at(i);
  if (name == kExpAvg) return expAvg_.at(i);
  if (name == kExpAvgSq) return expAvgSq_.at(i);
  throw std::invalid_argument(kind() + " keeps no state named '" + name + "'");
}

void Adam::resetState() {
  for (auto* states : {&step_, &expAvg_, &expAvgSq_}) {
    for (auto& t : *states) t = torch::Tensor();
  }
}

// The operations, their order and their scalar arguments (computed in double, as Python does)
// are those of torch/optim/adam.py and adamw.py's _multi_tensor_* in 1.13, non-capturable.
void Adam::step(const OptimizerHyper& hyper) {
  RECORD_FUNCTION(kOptimizerScope, std::vector<c10::IValue>());
  torch::NoGradGuard noGrad;
  const double lr = hyper.get("lr"), weightDecay = hyper.get("weightDecay");
  const double beta1 = hyper.get("beta1"), beta2 = hyper.get("beta2"), eps = hyper.get("eps");

  std::vector<torch::Tensor> params, grads, expAvgs, expAvgSqs, steps;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& p = params_[i];
    if (!p.grad().defined()) continue;  // frozen: no step count, no moments, no decay
    if (!step_[i].defined()) {
      step_[i] = torch::zeros({}, p.options().dtype(torch::kFloat));
      expAvg_[i] = torch::zeros_like(p, torch::MemoryFormat::Preserve);
      expAvgSq_[i] = torch::zeros_like(p, torch::MemoryFormat::Preserve);
    }
    params.push_back(p);
    grads.push_back(p.grad());
    expAvgs.push_back(expAvg_[i]);
    expAvgSqs.push_back(expAvgSq_[i]);
    steps.push_back(step_[i]);
  }
  if (params.empty()) return;

  at::_foreach_add_(steps, 1);
  if (decoupled_) {
    at::_foreach_mul_(params, 1 - lr * weightDecay);
  } else if (weightDecay != 0) {
    grads = at::_foreach_add(grads, params, weightDecay);  // PyTorch adds in place to .grad: same values
  }
  at::_foreach_mul_(expAvgs, beta1);
  at::_foreach_add_(expAvgs, grads, 1 - beta1);
  at::_foreach_mul_(expAvgSqs, beta2);
  at::_foreach_addcmul_(expAvgSqs, grads, grads, 1 - beta2);

  std::vector<at::Scalar> stepSize, correction2Sqrt;
  for (const auto& s : steps) {
    const double count = static_cast<double>(s.item<float>());
    stepSize.emplace_back((lr / (1 - std::pow(beta1, count))) * -1);
    correction2Sqrt.emplace_back(std::sqrt(1 - std::pow(beta2, count)));
  }
  auto denom = at::_foreach_sqrt(expAvgSqs);
  at::_foreach_div_(denom, correction2Sqrt);
  denom = at::_foreach_add(denom, eps);
  at::_foreach_addcdiv_(params, expAvgs, denom, stepSize);
}

}  // namespace layerout
