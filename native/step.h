// One training step in four phases: forward (with the loss), backward, the gradients-ready point
// and the update. The gradients-ready point is where a data-parallel run all-reduces gradients;
// the epoch loop and the step timer call these and never need to change for it.
#pragma once

#include "session.h"

namespace layerout {

// Called after backward, before the update, with every gradient of the step computed. Frozen
// parameters have undefined gradients. `shared` holds the loop's per-step sums (a data-parallel
// hook sums them over the ranks along with the gradients). Runs on the compute thread; may
// block (a collective).
class GradientsReadyHook {
 public:
  virtual ~GradientsReadyHook() = default;
  // Called just before backward (a data-parallel hook readies its buckets).
  virtual void onBackwardStart(Session& session) {}
  virtual void onGradientsReady(Session& session, std::vector<double>& shared) = 0;
};

struct ForwardResult {
  torch::Tensor logits, loss;
};

ForwardResult forwardLoss(Session& session, const torch::Tensor& x, const torch::Tensor& y);
// Backward, after the hook's onBackwardStart.
void backward(Session& session, const torch::Tensor& loss);
// Runs the session's hook, if one is installed.
void gradientsReady(Session& session, std::vector<double>& shared);
// The SGD update, then every gradient cleared (set to undefined).
void update(Session& session, const SgdHyper& hyper);

}  // namespace layerout
