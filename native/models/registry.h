// The one table of built-in models: names, default input shapes and builders. TypeScript reads
// it through modelCatalog(); no other list of model names exists.
#pragma once

#include "../net.h"

#include <functional>
#include <string>
#include <vector>

namespace layerout {

struct ModelSpec {
  std::string name;                    // a catalog name
  int64_t classes = 10;
  std::vector<int64_t> hidden;         // configurable models (mlp): hidden widths
  std::vector<int64_t> inputShape;     // configurable models (mlp): C, H, W of the input
};

struct CatalogEntry {
  std::string name;
  std::string description;
  std::vector<int64_t> inputShape;     // the default (fixed unless `configurable`)
  bool configurable = false;           // takes `hidden` and `inputShape`
  std::function<NetPtr(const ModelSpec&)> build;
};

const std::vector<CatalogEntry>& modelCatalog();
// Builds a model by catalog name; throws std::invalid_argument for an unknown name.
NetPtr buildModel(const ModelSpec& spec);

NetPtr buildMnistNet(int64_t classes);
NetPtr buildVgg16(int64_t classes);
NetPtr buildResNet(int64_t depth, int64_t classes);
NetPtr buildResNetBottleneck(int64_t blocksPerStage, int64_t classes);
NetPtr buildMlp(const std::vector<int64_t>& inputShape, const std::vector<int64_t>& hidden, int64_t classes);

}  // namespace layerout
