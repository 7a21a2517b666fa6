// The objective seam: a batch's loss and the metric an epoch reports, written once for the train
// step (one process and data parallel) and evaluation. Cross-entropy with accuracy (the number of
// correct argmax predictions) is the first; a regression objective is one more implementation.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace layerout {

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;
  // The batch's mean loss, differentiable: what a one-process step backpropagates.
  virtual torch::Tensor meanLoss(const torch::Tensor& output, const torch::Tensor& target) const = 0;
  // The batch's summed loss, differentiable: a data-parallel rank divides it by the global batch.
  virtual torch::Tensor summedLoss(const torch::Tensor& output, const torch::Tensor& target) const = 0;
  // The batch's metric sum as an int64 scalar (correct predictions); call without autograd.
  virtual torch::Tensor metricSum(const torch::Tensor& output, const torch::Tensor& target) const = 0;
};

using ObjectivePtr = std::shared_ptr<const Objective>;

// An objective the run configuration names ("cross-entropy"); throws for an unknown one.
ObjectivePtr makeObjective(const std::string& name);

}  // namespace layerout
