// Process-wide facts and stateless helpers exported to JS.
#pragma once

#include <napi.h>

namespace layerout {

// runtimeInfo() -> { torchVersion, cudaAvailable, cudaDevices, threads, cudaBuild, c10d, cpuCache }
Napi::Value RuntimeInfo(const Napi::CallbackInfo& info);
// augmentBatch(images, shape, inputShape, augment, seed, train) -> Float32Array
Napi::Value AugmentBatch(const Napi::CallbackInfo& info);

// modelCatalog() -> [{ name, description, inputShape, configurable }]: the built-in models
Napi::Value ModelCatalog(const Napi::CallbackInfo& info);
// checkpointMeta(bytes) -> { meta, damaged, verified }: the metadata in checkpoint bytes, checked
Napi::Value CheckpointMeta(const Napi::CallbackInfo& info);
// setCpuCache(enabled): turns reuse of cached CPU tensor memory on or off (benchmarks).
Napi::Value SetCpuCache(const Napi::CallbackInfo& info);

}  // namespace layerout
