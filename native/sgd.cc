#include "sgd.h"

namespace layerout {

Sgd::Sgd(std::vector<torch::Tensor> params) : params_(std::move(params)), momentum_(params_.size()) {}

// Multi-tensor (_foreach) kernels: on CUDA one launch per operation instead of one per
// parameter, which is what PyTorch's own SGD does there.
void Sgd::step(const SgdHyper& hyper) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> params, grads, buffers;
  std::vector<size_t> fresh;  // parameters updated for the first time: buffer = update
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& grad = params_[i].grad();
    if (!grad.defined()) continue;  // frozen: no decay, no momentum, no update
    params.push_back(params_[i]);
    grads.push_back(grad);
    if (hyper.momentum != 0 && !momentum_[i].defined()) fresh.push_back(i);
  }
  if (params.empty()) return;
  auto updates = hyper.weightDecay != 0 ? at::_foreach_add(grads, params, hyper.weightDecay) : grads;
  if (hyper.momentum != 0) {
    std::vector<torch::Tensor> existing, existingUpdates;
    size_t k = 0;
    for (size_t i = 0, j = 0; i < params_.size(); ++i) {
      if (!params_[i].grad().defined()) continue;
      if (k < fresh.size() && fresh[k] == i) {
        momentum_[i] = updates[j].clone();
        ++k;
      } else {
        existing.push_back(momentum_[i]);
        existingUpdates.push_back(updates[j]);
      }
      updates[j] = momentum_[i];
      ++j;
    }
    if (!existing.empty()) {
      at::_foreach_mul_(existing, hyper.momentum);
      at::_foreach_add_(existing, existingUpdates);
    }
  }
  at::_foreach_add_(params, updates, -hyper.lr);
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
