#include "sgd.h"

namespace layerout {

Sgd::Sgd(std::vector<torch::Tensor> params) : params_(std::move(params)), momentum_(params_.size()) {}

void Sgd::step(const SgdHyper& hyper) {
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    const auto& grad = p.grad();
    if (!grad.defined()) continue;
    auto update = hyper.weightDecay != 0 ? grad.add(p, hyper.weightDecay) : grad;
    if (hyper.momentum != 0) {
      auto& buf = momentum_[i];
      if (!buf.defined()) {
        buf = update.clone();
      } else {
        buf.mul_(hyper.momentum).add_(update);
      }
      update = buf;
    }
    p.add_(update, -hyper.lr);
  }
}

void Sgd::clearGrads() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

void Sgd::resetMomentum() {
  for (auto& buf : momentum_) buf = torch::Tensor();
}

int64_t Sgd::indexOf(const torch::Tensor& p) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace layerout
