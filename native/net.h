// The network abstraction shared by every model: an ordered list of freeze units.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace layerout {

// One Conv2d or Linear layer, with the BatchNorm that follows it (if any).
struct FreezeUnit {
  std::string name;
  std::string kind;                      // "conv" or "linear"
  // The layer's and its BatchNorm's qualified names in the PyTorch definition of the same
  // network (scripts/peer/peer.py): the keys `layerout export` writes.
  std::string torchName, torchBnName;
  std::vector<torch::Tensor> weights;    // the layer's own weight (and bias)
  torch::nn::BatchNorm2d bn{nullptr};    // empty when no BatchNorm follows
  int64_t params = 0;                    // weights + BatchNorm affine
  int64_t macs = 0;                      // forward multiply-adds per sample

  std::vector<torch::Tensor> bnParams() const {
    if (bn.is_empty()) return {};
    return {bn->weight, bn->bias};
  }
  // Every trainable tensor of the unit, in a fixed order: weights, then BN affine.
  std::vector<torch::Tensor> allParams() const {
    auto all = weights;
    for (auto& p : bnParams()) all.push_back(p);
    return all;
  }
};

// Base class of every model: forward plus the unit list built alongside the layers.
class Net : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;

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
  torch::nn::Linear addLinear(const std::string& name, int64_t in, int64_t out);

  std::vector<FreezeUnit> units_;
  std::vector<int64_t> inputShape_;
};

using NetPtr = std::shared_ptr<Net>;

}  // namespace layerout
