#include "registry.h"

#include "torchscript_net.h"

#include <stdexcept>

namespace layerout {

namespace {
CatalogEntry resnet(int64_t depth) {
  return {"resnet" + std::to_string(depth),
          "CIFAR ResNet-" + std::to_string(depth) + " (basic blocks, option-A shortcuts)",
          {3, 32, 32},
          false,
          [depth](const ModelSpec& s) { return buildResNet(depth, s.classes); },
          true};
}
}  // namespace

const std::vector<CatalogEntry>& modelCatalog() {
  static const std::vector<CatalogEntry> catalog = {
      {"mnist-net", "the paper's MNIST network: 5 unpadded convs, 2 linear", {1, 32, 32}, false,
       [](const ModelSpec& s) { return buildMnistNet(s.classes); }, true},
      {"vgg16", "VGG-16 with BatchNorm for 32x32 inputs: 13 convs, 3 linear", {3, 32, 32}, false,
       [](const ModelSpec& s) { return buildVgg16(s.classes); }},
      resnet(20),
      resnet(32),
      resnet(44),
      resnet(56),
      resnet(110),
      {"resnet110-bottleneck", "the authors' \"ResNet-110\": bottleneck blocks, 18 per stage", {3, 32, 32}, false,
       [](const ModelSpec& s) { return buildResNetBottleneck(18, s.classes); }, true},
      {"mlp", "a multilayer perceptron with configurable widths and input shape", {1, 28, 28}, true,
       [](const ModelSpec& s) { return buildMlp(s.inputShape, s.hidden, s.classes); }},
  };
  return catalog;
}

NetPtr buildModel(const ModelSpec& spec) {
  if (spec.network) return buildSpecNet(spec.inputShape, *spec.network);
  if (!spec.torchscript.empty()) return buildTorchScriptNet(spec.torchscript, spec.inputShape, spec.classes);
  for (const auto& entry : modelCatalog()) {
    if (entry.name == spec.name) return entry.build(spec);
  }
  throw std::invalid_argument("unknown model '" + spec.name + "'");
}

}  // namespace layerout
