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
  std::vector<torch::Tensor> params;
  std::vector<std::string> names;
  for (const auto& p : net->named_parameters(true)) {
    params.push_back(p.value());
    names.push_back(p.key());
  }
  optimizer = makeOptimizer("sgd", std::move(params), std::move(names));
  objective = makeObjective("cross-entropy");
  mask.assign(net->units().size(), false);
}

namespace {
// CPU autocast to bfloat16 for its lifetime (autocast state is per thread), restored however
// the scope ends.
class Bf16Autocast {
 public:
  Bf16Autocast() : wasEnabled_(at::autocast::is_cpu_enabled()), wasType_(at::autocast::get_autocast_cpu_dtype()) {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  ~Bf16Autocast() {
    at::autocast::set_cpu_enabled(wasEnabled_);
    at::autocast::set_autocast_cpu_dtype(wasType_);
    at::autocast::clear_cache();
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool wasEnabled_;
  at::ScalarType wasType_;
};
}  // namespace

torch::Tensor Session::forward(const torch::Tensor& x) {
  if (!spec.bf16) return net->forward(input(x));
  if (!device.is_cpu()) throw std::invalid_argument("bf16 precision is available on CPU only in this version");
  Bf16Autocast autocast;
  return net->forward(input(x)).to(torch::kFloat32);
}

void Session::applyMemoryFormat() {
  // Both ways: a checkpoint keeps the strides it was saved with (libtorch's reader restores
  // them), so one written in the other layout would otherwise switch this model's layout.
  const auto format = spec.channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  torch::NoGradGuard noGrad;
  for (auto& p : net->parameters()) {
    // As PyTorch's module.to(memory_format=...): restrided even where the shape makes both
    // layouts "contiguous" (one input channel, 1x1 kernels), whose strides pick oneDNN's path.
    if (p.dim() == 4) p.set_data(p.to(p.options(), /*non_blocking=*/false, /*copy=*/false, format));
  }
  // Optimizer state follows its parameters (the fused SGD walks them in the same order).
  if (!optimizer) return;  // being constructed: no state yet
  const auto& params = optimizer->params();
  for (const auto& name : optimizer->stateNames()) {
    for (auto& [i, state] : optimizer->allState(name)) {
      if (state->defined() && state->sizes() == params[i].sizes() && state->strides() != params[i].strides()) {
        *state = torch::empty_like(params[i], torch::MemoryFormat::Preserve).copy_(*state);
      }
    }
  }
}

}  // namespace layerout
