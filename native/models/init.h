// Weight initialisation shared by the model builders.
#pragma once

#include "../net.h"

namespace layerout {

enum class Init { Xavier, HeFanOut };

// Xavier-uniform or He-normal (fan-out) weights, zero biases, BatchNorm gamma=1 beta=0.
inline void initialiseUnits(Net& net, Init init) {
  torch::NoGradGuard noGrad;
  for (auto& unit : net.units()) {
    auto& weight = unit.weights[0];
    if (init == Init::Xavier) {
      torch::nn::init::xavier_uniform_(weight);
    } else {
      torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanOut, torch::kReLU);
    }
    if (unit.weights.size() > 1) unit.weights[1].zero_();
    if (!unit.bn.is_empty()) {
      unit.bn->weight.fill_(1.0);
      unit.bn->bias.zero_();
    }
  }
}

}  // namespace layerout
