// What the addon builds a network from: a plan compiled by TypeScript from a network spec (the
// built-in networks are specs too: src/networks/catalog.ts holds their one table), or a
// TorchScript file.
#pragma once

#include "../net.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace layerout {

// One layer of a declarative network spec, with every size resolved by TypeScript (src/spec).
struct SpecLayer {
  std::string type;   // conv, batchnorm, relu, maxpool, avgpool, globalavgpool, flatten, linear, dropout, residual
  std::string path;   // e.g. layers.4.body.0: where the layer is in the spec
  std::string name;   // conv, linear: module and unit name; exportName: its state-dict key
  std::string exportName;
  std::string shortcutName, shortcutExport, shortcutBnExport;  // a residual's projection
  int64_t in = 0, out = 0, kernel = 0, stride = 1, padding = 0;
  bool bias = true;
  double p = 0;
  std::string shortcut;  // residual: identity, projection, option-a
  std::vector<SpecLayer> body;
};

struct NetworkPlan {
  std::string convInit = "he-fan-out", linearInit = "xavier";
  std::vector<SpecLayer> layers;
};

struct ModelSpec {
  std::string name;                    // a built-in network's name, or a spec network's own name
  int64_t classes = 10;
  std::vector<int64_t> hidden;         // configurable models (mlp): hidden widths
  std::vector<int64_t> inputShape;     // configurable models (mlp) and spec networks: C, H, W
  std::shared_ptr<NetworkPlan> network;  // set for a spec network (built-in ones included)
  std::string torchscript;               // set for a TorchScript file (with inputShape)
  // TorchScript: freeze units as named groups of parameter-name patterns (`*` matches anything);
  // empty: one unit per top-level child module (torchscript_net.cc says exactly).
  std::vector<std::pair<std::string, std::vector<std::string>>> scriptUnits;
  bool channelsLast = false;             // 4-d weights and inputs in channels-last memory format
  bool bf16 = false;                     // forward passes under CPU autocast to bfloat16 (weights stay fp32)
};

// Builds the network a ModelSpec names: a spec network (every built-in network is one: src/networks)
// or a TorchScript module; throws std::invalid_argument otherwise.
NetPtr buildModel(const ModelSpec& spec);

NetPtr buildSpecNet(const std::vector<int64_t>& inputShape, const NetworkPlan& plan);

}  // namespace layerout
