#include "device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace layerout {

torch::Device parseDevice(const std::string& name) {
  torch::Device device(name);
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw std::runtime_error("device '" + name + "' requested but libtorch sees no CUDA GPU");
  }
  return device;
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

at::Generator makeGenerator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

void useThreads(int64_t threads) {
  if (threads > 0 && at::get_num_threads() != threads) at::set_num_threads(static_cast<int>(threads));
}

std::string torchVersion() { return TORCH_VERSION; }

}  // namespace layerout
