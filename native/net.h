// The network abstraction shared by every model: an ordered list of freeze units.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace layerout {

// One Conv2d or Linear layer, with the BatchNorm that follows it (if any).
struct FreezeUnit {
  std::string name;
  std::string kind;                      // "conv", "linear", or "other" (TorchScript leaves with parameters)
  // The layer's and its BatchNorm's qualified names in the PyTorch definition of the same
  // network (scripts/peer/peer.py): the keys `layerout export` writes.
  std::string torchName, torchBnName;
  std::vector<torch::Tensor> weights;    // the layer's own parameters (weight, bias)
  torch::nn::BatchNorm2d bn{nullptr};    // empty when no BatchNorm follows
  // TorchScript models: the BatchNorm that follows, as its tensors and a mode switch.
  std::vector<torch::Tensor> scriptBnAffine, scriptBnStats;
  std::function<void(bool)> scriptBnTrain;
  int64_t params = 0;                    // weights + BatchNorm affine
  int64_t macs = 0;                      // forward multiply-adds per sample; -1: unknown

  bool hasBn() const { return !bn.is_empty() || !scriptBnAffine.empty(); }
  std::vector<torch::Tensor> bnParams() const {
    if (!bn.is_empty()) return {bn->weight, bn->bias};
    return scriptBnAffine;
  }
  // Running mean and variance of the BatchNorm (empty without one).
  std::vector<torch::Tensor> bnStats() const {
    if (!bn.is_empty()) return {bn->running_mean, bn->running_var};
    return scriptBnStats;
  }
  void setBnTraining(bool on) {
    if (!bn.is_empty()) bn->train(on);
    else if (scriptBnTrain) scriptBnTrain(on);
  }
  // Every trainable tensor of the unit, in a fixed order: weights, then BN affine.
  std::vector<torch::Tensor> allParams() const {
    auto all = weights;
    for (auto& p : bnParams()) all.push_back(p);
    return all;
  }
};

// One tensor of the model's state under its PyTorch name, and the freeze unit that owns it (-1: none).
struct NamedTensor {
  std::string name;
  torch::Tensor tensor;  // the live tensor, not a copy
  int unit = -1;
};

// Base class of every model: forward plus the unit list built alongside the layers.
class Net : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;

  // Every parameter and buffer under the name a PyTorch state dict of the same network has: for
  // built-in and spec networks each unit's layer and BatchNorm (their export keys), for
  // TorchScript modules the module's own names.
  virtual std::vector<NamedTensor> namedState();

  const std::vector<FreezeUnit>& units() const { return units_; }
  std::vector<FreezeUnit>& units() { return units_; }
  const std::vector<int64_t>& inputShape() const { return inputShape_; }
  int64_t totalParams() const {
    int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
  }

 protected:
  torch::nn::Conv2d addConv(const std::string& name, int64_t in, int64_t out, int64_t k, int64_t stride,
                            int64_t padding, bool bias, int64_t& h, int64_t& w, bool withBn);
  torch::nn::Linear addLinear(const std::string& name, int64_t in, int64_t out, bool bias = true);

  std::vector<FreezeUnit> units_;
  std::vector<int64_t> inputShape_;
};

using NetPtr = std::shared_ptr<Net>;

// Module and tensor names may not contain dots in a torch::nn::Module; unit names keep them
// (layer1.0.conv1) for readability, registered names turn them into underscores.
std::string moduleName(std::string name);

}  // namespace layerout
