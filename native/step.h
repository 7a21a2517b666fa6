// One training step in four phases: forward (with the loss), backward, the gradients-ready point
// and the update. The gradients-ready point is where a data-parallel run all-reduces gradients;
// the epoch loop and the step timer call these and never need to change for it.
#pragma once

#include "session.h"

namespace layerout {

// The loop's per-step sums: what a data-parallel hook sums over the ranks with the gradients.
struct StepSums {
  double loss = 0;             // the batch's summed loss
  std::vector<double> metrics;  // the objective's metric sums (Objective::metricSums), one per metric
  bool stopRequested = false;  // some rank asked to stop (true after the sum if any did)
};

// Called after backward, before the update, with every gradient of the step computed. Frozen
// parameters have undefined gradients. Runs on the compute thread; may block (a collective).
class GradientsReadyHook {
 public:
  virtual ~GradientsReadyHook() = default;
  // Called just before backward (a data-parallel hook readies its buckets).
  virtual void onBackwardStart(Session& session) {}
  virtual void onGradientsReady(Session& session, StepSums& sums) = 0;
};

struct ForwardResult {
  torch::Tensor output, loss;  // the net's output and the objective's mean loss
};

ForwardResult forwardLoss(Session& session, const torch::Tensor& x, const torch::Tensor& y);
// Backward, after the hook's onBackwardStart.
void backward(Session& session, const torch::Tensor& loss);
// Runs the session's hook, if one is installed.
void gradientsReady(Session& session, StepSums& sums);
// Scales every gradient so that their global 2-norm is at most maxNorm, as PyTorch's
// clip_grad_norm_ (norm of the per-gradient norms; coefficient maxNorm / (norm + 1e-6), clamped
// to 1). Returns the norm before clipping (0 when no parameter has a gradient).
double clipGradNorm(Session& session, double maxNorm);
// The optimizer's update, then every gradient cleared (set to undefined).
void update(Session& session, const OptimizerHyper& hyper);

}  // namespace layerout
