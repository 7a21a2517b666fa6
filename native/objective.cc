#include "objective.h"

#include <stdexcept>

namespace layerout {

namespace {
// Classification over integer labels: PyTorch's cross_entropy on the logits, and accuracy.
class CrossEntropy : public Objective {
 public:
  std::string name() const override { return "cross-entropy"; }
  torch::Tensor meanLoss(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return torch::nn::functional::cross_entropy(logits, labels);
  }
  torch::Tensor summedLoss(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return torch::nn::functional::cross_entropy(logits, labels,
                                                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  }
  torch::Tensor metricSum(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return (logits.argmax(1) == labels).sum();
  }
};
}  // namespace

// The registry of objectives: one line per kind.
ObjectivePtr makeObjective(const std::string& name) {
  if (name == "cross-entropy") return std::make_shared<CrossEntropy>();
  throw std::invalid_argument("unknown objective '" + name + "'");
}

}  // namespace layerout
