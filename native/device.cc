#include "device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#ifdef LAYEROUT_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

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

namespace layerout {

bool cudaPeakBytes(const torch::Device& device, bool reset, int64_t& peak) {
#ifdef LAYEROUT_WITH_CUDA
  if (!device.is_cuda()) return false;
  const auto index = device.has_index() ? device.index() : 0;
  namespace alloc = c10::cuda::CUDACachingAllocator;
  const auto stats = alloc::getDeviceStats(index);
  peak = stats.allocated_bytes[0].peak;  // 0: the aggregate over pool types
  if (reset) alloc::resetPeakStats(index);
  return true;
#else
  (void)device;
  (void)reset;
  (void)peak;
  return false;
#endif
}

}  // namespace layerout
