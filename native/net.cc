#include "net.h"

namespace layerout {

std::vector<NamedTensor> Net::namedState() {
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < units_.size(); ++i) {
    const auto& unit = units_[i];
    const int u = static_cast<int>(i);
    const auto layer = unit.torchName.empty() ? unit.name : unit.torchName;
    out.push_back({layer + ".weight", unit.weights.at(0), u});
    if (unit.weights.size() > 1) out.push_back({layer + ".bias", unit.weights[1], u});
    if (!unit.bn.is_empty()) {
      const auto bn = unit.torchBnName.empty() ? unit.name + "_bn" : unit.torchBnName;
      out.push_back({bn + ".weight", unit.bn->weight, u});
      out.push_back({bn + ".bias", unit.bn->bias, u});
      out.push_back({bn + ".running_mean", unit.bn->running_mean, u});
      out.push_back({bn + ".running_var", unit.bn->running_var, u});
      out.push_back({bn + ".num_batches_tracked", unit.bn->num_batches_tracked, u});
    }
  }
  return out;
}

std::string moduleName(std::string name) {
  for (auto& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

// Registers a conv (and its BatchNorm), records it as a freeze unit, and advances the
// spatial size (h, w) so each unit's multiply-adds are known without a trial forward pass.
torch::nn::Conv2d Net::addConv(const std::string& name, int64_t in, int64_t out, int64_t k, int64_t stride,
                               int64_t padding, bool bias, int64_t& h, int64_t& w, bool withBn) {
  auto conv = register_module(
      moduleName(name), torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(padding).bias(bias)));
  h = (h + 2 * padding - k) / stride + 1;
  w = (w + 2 * padding - k) / stride + 1;
  FreezeUnit unit;
  unit.name = name;
  unit.kind = "conv";
  unit.weights.push_back(conv->weight);
  if (bias) unit.weights.push_back(conv->bias);
  if (withBn) unit.bn = register_module(moduleName(name) + "_bn", torch::nn::BatchNorm2d(out));
  for (auto& p : unit.allParams()) unit.params += p.numel();
  unit.macs = out * h * w * in * k * k;
  units_.push_back(unit);
  return conv;
}

torch::nn::Linear Net::addLinear(const std::string& name, int64_t in, int64_t out, bool bias) {
  auto fc = register_module(moduleName(name), torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias)));
  FreezeUnit unit;
  unit.name = name;
  unit.kind = "linear";
  unit.weights = {fc->weight};
  if (bias) unit.weights.push_back(fc->bias);
  unit.params = in * out + (bias ? out : 0);
  unit.macs = in * out;
  units_.push_back(unit);
  return fc;
}

}  // namespace layerout
