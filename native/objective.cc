#include "objective.h"

#include <stdexcept>

namespace layerout {

namespace F = torch::nn::functional;

namespace {

double setting(const std::map<std::string, double>& settings, const std::string& name, double fallback) {
  auto it = settings.find(name);
  return it == settings.end() ? fallback : it->second;
}

// Classification over integer labels: PyTorch's cross_entropy on the logits (with optional label
// smoothing), and the number of correct argmax predictions.
class CrossEntropy : public Objective {
 public:
  explicit CrossEntropy(double labelSmoothing) : smoothing_(labelSmoothing) {}
  std::string name() const override { return "cross-entropy"; }
  bool floatTargets() const override { return false; }
  torch::Tensor meanLoss(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().label_smoothing(smoothing_));
  }
  torch::Tensor summedLoss(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().label_smoothing(smoothing_).reduction(torch::kSum));
  }
  int64_t metricCount() const override { return 1; }
  torch::Tensor metricSums(const torch::Tensor& logits, const torch::Tensor& labels) const override {
    return (logits.argmax(1) == labels).sum().to(torch::kFloat64).reshape({1});
  }

 private:
  double smoothing_;
};

// Regression over float targets [N, T]: an element-wise loss averaged over all elements, and
// the sums of absolute and squared errors (MAE, RMSE and R^2 follow from them).
class Regression : public Objective {
 public:
  enum class Kind { Mse, L1, Huber };
  Regression(Kind kind, double delta) : kind_(kind), delta_(delta) {}
  std::string name() const override { return kind_ == Kind::Mse ? "mse" : kind_ == Kind::L1 ? "l1" : "huber"; }
  bool floatTargets() const override { return true; }
  torch::Tensor meanLoss(const torch::Tensor& output, const torch::Tensor& target) const override {
    return elementLoss(output, target, torch::kMean);
  }
  torch::Tensor summedLoss(const torch::Tensor& output, const torch::Tensor& target) const override {
    return elementLoss(output, target, torch::kSum) / static_cast<double>(target.size(1));
  }
  int64_t metricCount() const override { return 2; }
  torch::Tensor metricSums(const torch::Tensor& output, const torch::Tensor& target) const override {
    auto error = (output.to(torch::kFloat64) - target.to(torch::kFloat64));
    return torch::stack({error.abs().sum(), error.square().sum()});
  }

 private:
  template <typename Reduction>
  torch::Tensor elementLoss(const torch::Tensor& output, const torch::Tensor& target, Reduction reduction) const {
    switch (kind_) {
      case Kind::Mse: return F::mse_loss(output, target, F::MSELossFuncOptions().reduction(reduction));
      case Kind::L1: return F::l1_loss(output, target, F::L1LossFuncOptions().reduction(reduction));
      default: return F::huber_loss(output, target, F::HuberLossFuncOptions().reduction(reduction).delta(delta_));
    }
  }
  Kind kind_;
  double delta_;
};

// Binary and multi-label classification: binary cross-entropy on the logits against float
// targets in [0, 1], and the number of element predictions (logit > 0) that match target > 0.5.
class BinaryCrossEntropy : public Objective {
 public:
  std::string name() const override { return "bce"; }
  bool floatTargets() const override { return true; }
  torch::Tensor meanLoss(const torch::Tensor& logits, const torch::Tensor& target) const override {
    return F::binary_cross_entropy_with_logits(logits, target);
  }
  torch::Tensor summedLoss(const torch::Tensor& logits, const torch::Tensor& target) const override {
    return F::binary_cross_entropy_with_logits(logits, target, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum)) /
           static_cast<double>(target.size(1));
  }
  int64_t metricCount() const override { return 1; }
  torch::Tensor metricSums(const torch::Tensor& logits, const torch::Tensor& target) const override {
    return ((logits > 0) == (target > 0.5)).sum().to(torch::kFloat64).reshape({1});
  }
};
}  // namespace

// The registry of objectives: one line per kind.
ObjectivePtr makeObjective(const std::string& name, const std::map<std::string, double>& settings) {
  if (name == "cross-entropy") return std::make_shared<CrossEntropy>(setting(settings, "labelSmoothing", 0));
  if (name == "mse") return std::make_shared<Regression>(Regression::Kind::Mse, 0);
  if (name == "l1") return std::make_shared<Regression>(Regression::Kind::L1, 0);
  if (name == "huber") return std::make_shared<Regression>(Regression::Kind::Huber, setting(settings, "delta", 1));
  if (name == "bce") return std::make_shared<BinaryCrossEntropy>();
  throw std::invalid_argument("unknown objective '" + name + "'");
}

}  // namespace layerout
