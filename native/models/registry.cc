#include "registry.h"

#include "torchscript_net.h"

#include <stdexcept>

namespace layerout {

NetPtr buildModel(const ModelSpec& spec) {
  if (spec.network) return buildSpecNet(spec.inputShape, *spec.network);
  if (!spec.torchscript.empty()) return buildTorchScriptNet(spec.torchscript, spec.inputShape, spec.classes, spec.scriptUnits);
  throw std::invalid_argument("model '" + spec.name + "' comes with neither a network plan nor a TorchScript file");
}

}  // namespace layerout
