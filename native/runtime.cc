#include "runtime.h"

#include "checkpoint.h"
#include "convert.h"
#include "data.h"
#include "data_input.h"
#include "device.h"
#include "dist/group.h"
#include "errors.h"
#include "memory/cpu_cache.h"
#include "optim/sgd.h"

#include "compute_thread.h"

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
  obj.Set("c10d", c10dAvailable());
  const auto cache = cpuCacheStats();
  auto cacheInfo = Napi::Object::New(env);
  cacheInfo.Set("enabled", cache.enabled);
  cacheInfo.Set("cachedBytes", static_cast<double>(cache.cachedBytes));
  cacheInfo.Set("hits", static_cast<double>(cache.hits));
  cacheInfo.Set("misses", static_cast<double>(cache.misses));
  cacheInfo.Set("idleReleases", static_cast<double>(cache.idleReleases));
  obj.Set("cpuCache", cacheInfo);
  obj.Set("fusedSgd", fusedSgdState());
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
    auto inputShape = toIntVector(info[2]);
    if (inputShape.size() != 3) throw std::invalid_argument("inputShape must be [C, H, W]");
    for (auto d : inputShape) {
      if (d > 4096) throw std::invalid_argument("inputShape entries must be at most 4096");
    }
    auto input = toImageTensor(info[0], info[1], inputShape);
    auto augment = toAugmentOptions(requireObject(info[3], "augment"));
    if (!info[4].IsNumber()) throw std::invalid_argument("seed must be a number");
    const auto seed = static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value());
    const bool train = info[5].ToBoolean().Value();
    BatchMaker maker(inputShape, augment, torch::Device(torch::kCPU));
    auto gen = makeGenerator(seed);
    auto out = (train ? maker.train(input, gen) : maker.test(input)).contiguous();
    auto result = Napi::Float32Array::New(env, static_cast<size_t>(out.numel()));
    std::memcpy(result.Data(), out.data_ptr<float>(), out.nbytes());
    return result;
  });
}

Napi::Value SetCpuTuning(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, "setCpuTuning", [&]() -> Napi::Value {
    auto options = requireObject(info[0], "options");
    auto flag = [&](const char* name, void (*apply)(bool)) {
      const auto value = options.Get(name);
      if (value.IsUndefined()) return;
      if (!value.IsBoolean()) throw std::invalid_argument(std::string(name) + " must be a boolean");
      apply(value.As<Napi::Boolean>().Value());
    };
    flag("cache", setCpuCacheEnabled);
    flag("fusedSgd", setFusedSgdAllowed);
    return env.Undefined();
  });
}

Napi::Value CheckpointMeta(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, "could not read the checkpoint", [&]() -> Napi::Value {
    const auto result = checkpointMeta(requireBytes(info[0], "checkpoint"));
    auto obj = Napi::Object::New(env);
    obj.Set("meta", result.meta);
    obj.Set("damaged", result.damaged);
    obj.Set("verified", result.verified);
    return obj;
  });
}

namespace {

// checkpointMeta off the event loop: the first read of a checkpoint sets up libtorch's
// serialisation (about 70 ms), which Model.load would otherwise spend on the JS thread.
class CheckpointMetaWorker : public Napi::AsyncWorker {
 public:
  CheckpointMetaWorker(const Napi::Env& env, std::string bytes)
      : Napi::AsyncWorker(env), bytes_(std::move(bytes)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      runOnComputeThread([&] { result_ = checkpointMeta(bytes_); });
    } catch (const std::exception& e) {
      SetError(std::string("could not read the checkpoint: ") + e.what());
    } catch (...) {
      SetError("could not read the checkpoint: an unknown native error");
    }
  }
  void OnOK() override {
    auto env = Env();
    auto obj = Napi::Object::New(env);
    obj.Set("meta", result_.meta);
    obj.Set("damaged", result_.damaged);
    obj.Set("verified", result_.verified);
    deferred_.Resolve(obj);
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::string bytes_;
  MetaResult result_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

Napi::Value CheckpointMetaAsync(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, "could not read the checkpoint", [&]() -> Napi::Value {
    auto* worker = new CheckpointMetaWorker(env, requireBytes(info[0], "checkpoint"));
    auto promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace layerout
