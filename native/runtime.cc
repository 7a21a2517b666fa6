#include "runtime.h"

#include "convert.h"
#include "data.h"
#include "device.h"
#include "errors.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <cstring>

namespace layerout {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto obj = Napi::Object::New(env);
  obj.Set("torchVersion", torchVersion());
  obj.Set("cudaAvailable", torch::cuda::is_available());
  obj.Set("cudaDevices", static_cast<double>(torch::cuda::device_count()));
  obj.Set("threads", static_cast<double>(at::get_num_threads()));
#ifdef LAYEROUT_TORCH_CUDA
  obj.Set("cudaBuild", true);
#else
  obj.Set("cudaBuild", false);
#endif
  return obj;
}

// Runs the same BatchMaker the epoch loop uses, on the CPU, so tests can check augmentation.
Napi::Value AugmentBatch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, "augmentBatch", [&]() -> Napi::Value {
    auto images = info[0].As<Napi::Uint8Array>();
    auto shape = toIntVector(info[1]);
    auto inputShape = toIntVector(info[2]);
    auto augment = toAugmentOptions(info[3].As<Napi::Object>());
    const auto seed = static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value());
    const bool train = info[5].ToBoolean().Value();
    auto input = torch::from_blob(images.Data(), shape, torch::kUInt8);
    BatchMaker maker(inputShape, augment, torch::Device(torch::kCPU));
    auto gen = makeGenerator(seed);
    auto out = (train ? maker.train(input, gen) : maker.test(input)).contiguous();
    auto result = Napi::Float32Array::New(env, static_cast<size_t>(out.numel()));
    std::memcpy(result.Data(), out.data_ptr<float>(), out.nbytes());
    return result;
  });
}

}  // namespace layerout
