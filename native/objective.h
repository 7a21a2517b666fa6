// The objective seam: a batch's loss and the metric sums an epoch reports, written once for the
// train step (one process and data parallel) and evaluation. Classification (cross-entropy) and
// regression (mse, l1, huber) and multi-label (bce) objectives implement it (objective.cc).
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

namespace layerout {

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;
  // What its targets are: int64 class indices [N], or float32 values [N, T].
  virtual bool floatTargets() const = 0;
  // The batch's mean loss, differentiable: what a one-process step backpropagates.
  virtual torch::Tensor meanLoss(const torch::Tensor& output, const torch::Tensor& target) const = 0;
  // The batch's loss summed over its samples (each sample's loss is the mean over its targets),
  // differentiable: a data-parallel rank divides it by the global batch, so that the result is
  // the global batch's mean loss as in one process.
  virtual torch::Tensor summedLoss(const torch::Tensor& output, const torch::Tensor& target) const = 0;
  // How many metric sums it keeps, and the batch's sums as a float64 [count] tensor (no autograd):
  // cross-entropy: correct predictions; regression: absolute and squared errors over every
  // target; bce: correct element predictions.
  virtual int64_t metricCount() const = 0;
  virtual torch::Tensor metricSums(const torch::Tensor& output, const torch::Tensor& target) const = 0;
};

using ObjectivePtr = std::shared_ptr<const Objective>;

// An objective the run configuration names ("cross-entropy", "mse", ...) with its settings by
// name ("labelSmoothing", "delta"); throws for an unknown one.
ObjectivePtr makeObjective(const std::string& name, const std::map<std::string, double>& settings = {});

}  // namespace layerout
