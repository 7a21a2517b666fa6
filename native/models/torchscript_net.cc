#include "torchscript_net.h"

#include "../device.h"
#include "../errors.h"

#include <torch/script.h>

#include <map>
#include <sstream>
#include <stdexcept>

namespace layerout {
namespace {

std::string typeName(const torch::jit::Module& m) {
  auto name = m.type()->name();
  return name ? name->name() : "";
}

bool isLayer(const std::string& t) { return t == "Conv1d" || t == "Conv2d" || t == "Conv3d" || t == "Linear"; }
bool isBatchNorm(const std::string& t) { return t == "BatchNorm1d" || t == "BatchNorm2d" || t == "BatchNorm3d"; }

class TorchScriptNet : public Net {
 public:
  TorchScriptNet(torch::jit::Module module, const std::vector<int64_t>& inputShape) : module_(std::move(module)) {
    inputShape_ = inputShape;
    // The module's tensors, registered under flattened names: the same tensors, so the script's
    // forward sees every requires_grad change and every in-place update.
    std::map<const void*, std::string> owners;
    for (const auto& p : module_.named_parameters(true)) {
      auto [it, fresh] = owners.emplace(p.value.unsafeGetTensorImpl(), p.name);
      if (!fresh) {
        // A module registered twice (self.fc2 = self.fc) would be updated twice per step and
        // could not be frozen in one place.
        throw std::invalid_argument("the module uses one parameter under two names (" + it->second + " and " + p.name +
                                    "): layerout needs each parameter in exactly one module");
      }
      register_parameter(moduleName(p.name), p.value);
    }
    for (const auto& b : module_.named_buffers(true)) register_buffer(moduleName(b.name), b.value);
    findUnits();
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = module_.forward({x});
    if (!out.isTensor()) throw std::runtime_error("the TorchScript module's forward must return one tensor");
    return out.toTensor();
  }

  void train(bool on) override {
    torch::nn::Module::train(on);
    module_.train(on);
  }

  std::vector<char> bytes() {
    std::ostringstream out;
    module_.save(out);
    const auto s = out.str();
    return std::vector<char>(s.begin(), s.end());
  }

 private:
  // Freeze units in registration order: each conv or linear (with a BatchNorm registered right
  // after it), then any other leaf module that has parameters.
  void findUnits() {
    std::vector<torch::jit::NameModule> leaves;
    for (const auto& m : module_.named_modules()) {
      if (m.value.children().size() == 0 && !m.name.empty()) leaves.push_back(m);
    }
    for (size_t i = 0; i < leaves.size(); ++i) {
      const auto& leaf = leaves[i];
      const auto type = typeName(leaf.value);
      std::vector<torch::Tensor> own;
      for (const auto& p : leaf.value.named_parameters(false)) own.push_back(p.value);
      if (own.empty()) continue;
      FreezeUnit unit;
      unit.name = leaf.name;
      unit.torchName = leaf.name;
      unit.kind = type == "Linear" ? "linear" : isLayer(type) ? "conv" : "other";
      unit.weights = own;
      unit.macs = -1;  // not derivable without the input shapes of each layer
      if (type == "Linear") unit.macs = own[0].size(0) * own[0].size(1);
      if (isLayer(type) && i + 1 < leaves.size() && isBatchNorm(typeName(leaves[i + 1].value))) {
        auto bn = leaves[++i].value;
        for (const auto& p : bn.named_parameters(false)) unit.scriptBnAffine.push_back(p.value);
        for (const auto& b : bn.named_buffers(false)) {
          if (b.name == "running_mean" || b.name == "running_var") unit.scriptBnStats.push_back(b.value);
        }
        unit.torchBnName = leaves[i].name;
        unit.scriptBnTrain = [bn](bool on) mutable { bn.train(on); };
      }
      for (const auto& p : unit.allParams()) unit.params += p.numel();
      units_.push_back(unit);
    }
    int64_t inUnits = 0;
    for (const auto& u : units_) inUnits += static_cast<int64_t>(u.allParams().size());
    if (inUnits != static_cast<int64_t>(parameters().size())) {
      throw std::invalid_argument("the module has parameters outside leaf modules (an nn.Parameter on a container); layerout cannot freeze those");
    }
    if (units_.empty()) throw std::invalid_argument("the module has no parameters to train");
  }

  torch::jit::Module module_;
};

}  // namespace

namespace {
// One forward pass on zeros: the module must take the input shape and give one logit per class.
void checkOutput(Net& net, const std::string& path, const std::vector<int64_t>& inputShape, int64_t classes) {
  std::vector<int64_t> batch = {2, inputShape[0], inputShape[1], inputShape[2]};
  torch::Tensor out;
  {
    torch::NoGradGuard noGrad;
    net.eval();
    try {
      out = net.forward(torch::zeros(batch));
    } catch (const std::exception& e) {
      net.train(true);
      throw std::invalid_argument(path + " fails on an input of shape " + shapeText(batch) + ": " + describe(e));
    }
    net.train(true);
  }
  if (!out.is_floating_point()) {
    throw std::invalid_argument(path + " gives " + std::string(c10::toString(out.scalar_type())) + " values; logits must be floating point");
  }
  if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != classes) {
    throw std::invalid_argument(path + " gives " + shapeText(out.sizes()) + " for an input of shape " + shapeText(batch) +
                                "; a classifier of " + std::to_string(classes) + " classes must give [2, " +
                                std::to_string(classes) + "]");
  }
}
}  // namespace

NetPtr buildTorchScriptNet(const std::string& path, const std::vector<int64_t>& inputShape, int64_t classes) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const std::exception& e) {
    const auto why = describe(e);
    if (why.find("open file failed") != std::string::npos || why.find("No such file") != std::string::npos) {
      throw std::invalid_argument(path + ": no such file");
    }
    if (why.find("zip archive") != std::string::npos || why.find("central directory") != std::string::npos) {
      throw std::invalid_argument(path + " is not a TorchScript file (save one with torch.jit.script(net).save(PATH) or torch.jit.trace)");
    }
    if (why.find("version") != std::string::npos) {
      throw std::invalid_argument(path + " was saved by a newer PyTorch than this libtorch " + torchVersion() + " reads (" + why + ")");
    }
    throw std::invalid_argument(path + ": could not load the TorchScript module (" + why + ")");
  }
  auto net = std::make_shared<TorchScriptNet>(std::move(module), inputShape);
  checkOutput(*net, path, inputShape, classes);
  return net;
}

bool isTorchScriptNet(const Net& net) { return dynamic_cast<const TorchScriptNet*>(&net) != nullptr; }

bool torchScriptBytes(Net& net, std::vector<char>& out) {
  auto* script = dynamic_cast<TorchScriptNet*>(&net);
  if (!script) return false;
  out = script->bytes();
  return true;
}

}  // namespace layerout
