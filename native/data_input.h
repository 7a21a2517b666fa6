// JS datasets -> device tensors, checked. TypeScript validates first; these checks are the last
// guard for callers of the raw native object, so a malformed buffer is an error, never a read
// past its end.
#pragma once

#include "data.h"

#include <napi.h>

namespace layerout {

// Images: a Uint8Array (pixels) or Float32Array (preprocessed values) holding exactly
// N*C*H*W elements; shape: four positive integers whose C, H, W fit the model's input.
// Copies them into a CPU tensor (uint8 or float32) on the JS thread.
torch::Tensor toImageTensor(const Napi::Value& images, const Napi::Value& shape, const std::vector<int64_t>& inputShape);

// Labels: an Int32Array, Uint8Array or array of integers, one per image, each in [0, classes).
// Int32Array/Uint8Array/number[] class indices -> int64 [count]; a Float32Array of float targets
// (`classes` per sample: the model's outputs) -> float32 [count, classes].
torch::Tensor toLabelTensor(const Napi::Value& labels, int64_t count, int64_t classes);

}  // namespace layerout
