// Process-wide facts and stateless helpers exported to JS.
#pragma once

#include <napi.h>

namespace layerout {

// runtimeInfo() -> { torchVersion, cudaAvailable, cudaDevices, threads, cudaBuild, c10d, cpuCache, fusedSgd }
Napi::Value RuntimeInfo(const Napi::CallbackInfo& info);
// augmentBatch(images, shape, inputShape, augment, seed, train) -> Float32Array
Napi::Value AugmentBatch(const Napi::CallbackInfo& info);

// checkpointMeta(bytes) -> { meta, damaged, verified }: the metadata in checkpoint bytes, checked
Napi::Value CheckpointMeta(const Napi::CallbackInfo& info);
// checkpointMetaAsync(bytes) -> Promise of the same, read off the event loop.
Napi::Value CheckpointMetaAsync(const Napi::CallbackInfo& info);
// setCpuTuning({ cache?, fusedSgd? }): turns reuse of cached CPU tensor memory and the fused
// SGD kernel on or off for the whole process (benchmarks compare both in one run).
Napi::Value SetCpuTuning(const Napi::CallbackInfo& info);

}  // namespace layerout
