#include "optimizer.h"

#include "adam.h"
#include "sgd.h"

#include <stdexcept>

namespace layerout {

Optimizer::Optimizer(std::vector<torch::Tensor> params, std::vector<std::string> names)
    : params_(std::move(params)), names_(std::move(names)) {
  if (names_.size() != params_.size()) throw std::logic_error("optimizer: one name per parameter");
}

double OptimizerHyper::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::invalid_argument("the optimizer needs the hyper-parameter '" + name + "'");
  return it->second;
}

void Optimizer::clearGrads() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

int64_t Optimizer::indexOf(const torch::Tensor& p) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) return static_cast<int64_t>(i);
  }
  return -1;
}

std::vector<std::pair<size_t, torch::Tensor*>> Optimizer::allState(const std::string& name) {
  std::vector<std::pair<size_t, torch::Tensor*>> out;
  for (size_t i = 0; i < params_.size(); ++i) out.emplace_back(i, &state(i, name));
  return out;
}

// The registry of optimizers: one line per kind.
OptimizerPtr makeOptimizer(const std::string& kind, std::vector<torch::Tensor> params, std::vector<std::string> names) {
  if (kind == "sgd") return std::make_unique<Sgd>(std::move(params), std::move(names));
  if (kind == "adam") return std::make_unique<Adam>(std::move(params), std::move(names), false);
  if (kind == "adamw") return std::make_unique<Adam>(std::move(params), std::move(names), true);
  throw std::invalid_argument("unknown optimizer '" + kind + "'");
}

}  // namespace layerout
