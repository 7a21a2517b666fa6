#include "step.h"

namespace layerout {

ForwardResult forwardLoss(Session& session, const torch::Tensor& x, const torch::Tensor& y) {
  ForwardResult out;
  out.logits = session.forward(x);
  out.loss = torch::nn::functional::cross_entropy(out.logits, y);
  return out;
}

void backward(Session& session, const torch::Tensor& loss) {
  if (session.gradientsReadyHook) session.gradientsReadyHook->onBackwardStart(session);
  if (loss.defined()) loss.backward();
}

void gradientsReady(Session& session, std::vector<double>& shared) {
  if (session.gradientsReadyHook) session.gradientsReadyHook->onGradientsReady(session, shared);
}

void update(Session& session, const SgdHyper& hyper) {
  session.sgd->step(hyper);
  session.sgd->clearGrads();
}

}  // namespace layerout
