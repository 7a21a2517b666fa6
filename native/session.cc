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
  applyMemoryFormat();
  sgd = std::make_unique<Sgd>(net->parameters());
  mask.assign(net->units().size(), false);
}

void Session::applyMemoryFormat() {
  if (!spec.channelsLast) return;
  torch::NoGradGuard noGrad;
  for (auto& p : net->parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

}  // namespace layerout
