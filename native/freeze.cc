#include "freeze.h"

#include <stdexcept>

namespace layerout {

BnMode parseBnMode(const std::string& name) {
  if (name == "train") return BnMode::Train;
  if (name == "freeze-affine") return BnMode::FreezeAffine;
  if (name == "freeze") return BnMode::Freeze;
  throw std::invalid_argument("unknown BatchNorm mode '" + name + "'");
}

namespace {
void setTrainable(torch::Tensor& p, bool trainable) {
  p.set_requires_grad(trainable);
  if (!trainable) p.mutable_grad() = torch::Tensor();  // undefined: no weight decay, no momentum
}
}  // namespace

void applyFreeze(Net& net, const std::vector<bool>& mask, const BnModes& modes) {
  auto& units = net.units();
  if (mask.size() != units.size()) {
    throw std::invalid_argument("mask has " + std::to_string(mask.size()) + " entries but the model has " +
                                std::to_string(units.size()) + " freeze units");
  }
  bool anyTrainable = false;
  for (bool frozen : mask) anyTrainable = anyTrainable || !frozen;
  if (!anyTrainable) throw std::invalid_argument("a mask may not freeze every unit");

  for (size_t i = 0; i < units.size(); ++i) {
    const bool frozen = mask[i];
    for (auto& p : units[i].weights) setTrainable(p, !frozen);
    const bool bnFrozen = frozen && modes.of(i) != BnMode::Train;
    for (auto p : units[i].bnParams()) setTrainable(p, !bnFrozen);
  }
}

void setTrainingMode(Net& net, const std::vector<bool>& mask, const BnModes& modes) {
  net.train(true);
  auto& units = net.units();
  for (size_t i = 0; i < units.size() && i < mask.size(); ++i) {
    // running stats stay fixed
    if (mask[i] && modes.of(i) == BnMode::Freeze && units[i].hasBn()) units[i].setBnTraining(false);
  }
}

}  // namespace layerout
