#include "registry.h"

#include <stdexcept>

namespace layerout {

NetPtr buildModel(const ModelSpec& spec) {
  const auto& n = spec.name;
  if (n == "mnist-net") return buildMnistNet(spec.classes);
  if (n == "vgg16") return buildVgg16(spec.classes);
  if (n == "mlp") return buildMlp(spec.inputShape, spec.hidden, spec.classes);
  if (n == "resnet110-bottleneck") return buildResNetBottleneck(18, spec.classes);
  if (n.rfind("resnet", 0) == 0) return buildResNet(std::stoll(n.substr(6)), spec.classes);
  throw std::invalid_argument("unknown model '" + n + "'");
}

}  // namespace layerout
