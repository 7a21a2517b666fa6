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

double clipGradNorm(Session& session, double maxNorm) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : session.optimizer->params()) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return 0;
  for (const auto& g : grads) norms.push_back(torch::norm(g, 2));
  auto total = torch::norm(torch::stack(norms), 2);
  auto coefficient = torch::clamp(maxNorm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coefficient);
  return total.item<double>();
}

void update(Session& session, const OptimizerHyper& hyper) {
  session.optimizer->step(hyper);
  session.optimizer->clearGrads();
}

}  // namespace layerout
