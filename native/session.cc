#include "session.h"

#include <ATen/autocast_mode.h>

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

Session::Precision::Precision(const Session& session) : on_(session.spec.bf16) {
  if (!on_) return;
  if (!session.device.is_cpu()) throw std::invalid_argument("bf16 precision is available on CPU only in this version");
  wasEnabled_ = at::autocast::is_cpu_enabled();
  wasType_ = at::autocast::get_autocast_cpu_dtype();
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
}

Session::Precision::~Precision() {
  if (!on_) return;
  at::autocast::set_cpu_enabled(wasEnabled_);
  at::autocast::set_autocast_cpu_dtype(wasType_);
  at::autocast::clear_cache();
}

void Session::applyMemoryFormat() {
  if (!spec.channelsLast) return;
  torch::NoGradGuard noGrad;
  for (auto& p : net->parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

}  // namespace layerout
