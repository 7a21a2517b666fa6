// The one table of built-in models: names, default input shapes and builders. TypeScript reads
// it through modelCatalog(); no other list of model names exists.
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
  std::string path;   // e.g. layers.4.body.0: the unit's name and its export key
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
  std::string name;                    // a catalog name, or a spec network's own name
  int64_t classes = 10;
  std::vector<int64_t> hidden;         // configurable models (mlp): hidden widths
  std::vector<int64_t> inputShape;     // configurable models (mlp) and spec networks: C, H, W
  std::shared_ptr<NetworkPlan> network;  // set for a spec network (not a catalog model)
  std::string torchscript;               // set for a TorchScript file (with inputShape)
  bool channelsLast = false;             // 4-d weights and inputs in channels-last memory format
  bool bf16 = false;                     // forward passes under CPU autocast to bfloat16 (weights stay fp32)
};

struct CatalogEntry {
  std::string name;
  std::string description;
  std::vector<int64_t> inputShape;     // the default (fixed unless `configurable`)
  bool configurable = false;           // takes `hidden` and `inputShape`
  std::function<NetPtr(const ModelSpec&)> build;
  // Trains faster in channels-last on CPU (docs/cpu-profile.md): the default there.
  bool channelsLastOnCpu = false;
};

const std::vector<CatalogEntry>& modelCatalog();
// Builds a model by catalog name; throws std::invalid_argument for an unknown name.
NetPtr buildModel(const ModelSpec& spec);

NetPtr buildMnistNet(int64_t classes);
NetPtr buildVgg16(int64_t classes);
NetPtr buildResNet(int64_t depth, int64_t classes);
NetPtr buildResNetBottleneck(int64_t blocksPerStage, int64_t classes);
NetPtr buildMlp(const std::vector<int64_t>& inputShape, const std::vector<int64_t>& hidden, int64_t classes);
NetPtr buildSpecNet(const std::vector<int64_t>& inputShape, const NetworkPlan& plan);

}  // namespace layerout
