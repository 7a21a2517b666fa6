// Builds a model by name. The caller (TypeScript) has already validated the name and sizes.
#pragma once

#include "../net.h"

#include <string>
#include <vector>

namespace layerout {

struct ModelSpec {
  std::string name;                    // mnist-net | vgg16 | resnetN | resnet110-bottleneck | mlp
  int64_t classes = 10;
  std::vector<int64_t> hidden;         // mlp only: hidden widths
  std::vector<int64_t> inputShape;     // mlp only: C, H, W of its input
};

NetPtr buildModel(const ModelSpec& spec);

NetPtr buildMnistNet(int64_t classes);
NetPtr buildVgg16(int64_t classes);
NetPtr buildResNet(int64_t depth, int64_t classes);
NetPtr buildResNetBottleneck(int64_t blocksPerStage, int64_t classes);
NetPtr buildMlp(const std::vector<int64_t>& inputShape, const std::vector<int64_t>& hidden, int64_t classes);

}  // namespace layerout
