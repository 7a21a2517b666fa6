#include "step.h"

namespace layerout {

ForwardResult forwardLoss(Session& session, const torch::Tensor& x, const torch::Tensor& y) {
  ForwardResult out;
  out.output = session.forward(x);
  out.loss = session.objective->meanLoss(out.output, y);
  return out;
}

void backward(Session& session, const torch::Tensor& loss) {
  if (session.gradientsReadyHook) session.gradientsReadyHook->onBackwardStart(session);
  if (loss.defined()) loss.backward();
}

void gradientsReady(Session& session, StepSums& sums) {
  if (session.gradientsReadyHook) session.gradientsReadyHook->onGradientsReady(session, sums);
}

void update(Session& session, const OptimizerHyper& hyper) {
  session.optimizer->step(hyper);
  session.optimizer->clearGrads();
}

}  // namespace layerout
