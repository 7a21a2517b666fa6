#include "session.h"

#include <mutex>

namespace layerout {

namespace {
// Initialisation draws from libtorch's global generator: seed and build under one lock.
std::mutex buildMutex;
}  // namespace

Session::Session(const ModelSpec& modelSpec, uint64_t seed, const torch::Device& dev)
    : spec(modelSpec), device(dev) {
  {
    std::lock_guard<std::mutex> lock(buildMutex);
    torch::manual_seed(seed);
    net = buildModel(spec);
  }
  net->to(device);
  sgd = std::make_unique<Sgd>(net->parameters());
  mask.assign(net->units().size(), false);
}

}  // namespace layerout
