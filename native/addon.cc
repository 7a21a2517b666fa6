// Registers the addon's exports; every feature lives in its own file pair.
#include "memory/cpu_cache.h"
#include "binding/model_wrap.h"
#include "runtime.h"

#include <napi.h>

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  layerout::installCpuCache();  // before any tensor is made
  exports.Set("NativeModel", layerout::ModelWrap::Define(env));
  exports.Set("runtimeInfo", Napi::Function::New(env, layerout::RuntimeInfo));
  exports.Set("augmentBatch", Napi::Function::New(env, layerout::AugmentBatch));
  exports.Set("setCpuTuning", Napi::Function::New(env, layerout::SetCpuTuning));
  exports.Set("checkpointMeta", Napi::Function::New(env, layerout::CheckpointMeta));
  exports.Set("checkpointMetaAsync", Napi::Function::New(env, layerout::CheckpointMetaAsync));
  return exports;
}

}  // namespace

NODE_API_MODULE(layerout, Init)
