#include "step.h"

namespace layerout {

ForwardResult forwardLoss(Session& session, const torch::Tensor& x, const torch::Tensor& y) {
  ForwardResult out;
  Session::Precision precision(session);
  out.logits = session.net->forward(session.input(x));
  out.loss = torch::nn::functional::cross_entropy(out.logits.to(torch::kFloat32), y);
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
