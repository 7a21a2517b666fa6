// Device helpers, and the one place where libtorch version differences are guarded.
#pragma once

#include <torch/torch.h>

#include <string>

namespace layerout {

torch::Device parseDevice(const std::string& name);
// Waits for queued device work, so wall-clock timings include it (no-op on CPU).
void synchronize(const torch::Device& device);
// A seeded CPU generator; all randomness is drawn on the CPU so runs agree across devices.
at::Generator makeGenerator(uint64_t seed);
// Sets libtorch's intra-op thread count for the calling OS thread (it is per thread).
void useThreads(int64_t threads);
std::string torchVersion();
// Peak bytes held by the CUDA caching allocator on `device` (optionally resetting the peak);
// false on CPU or when this build has no CUDA support.
bool cudaPeakBytes(const torch::Device& device, bool reset, int64_t& peak);

}  // namespace layerout
