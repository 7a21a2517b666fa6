// The JS class NativeModel: a thin, typed wrapper around a Session. Its methods are split by
// feature, one file each beside this one (model, data, training, checkpoint, export, group).
#pragma once

#include "../dist/group.h"
#include "../session.h"

#include <napi.h>

namespace layerout {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value SetFrozen(const Napi::CallbackInfo& info);
  Napi::Value SetTraining(const Napi::CallbackInfo& info);
  Napi::Value SetData(const Napi::CallbackInfo& info);
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value TimeSteps(const Napi::CallbackInfo& info);
  Napi::Value CudaMemory(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value StateDict(const Napi::CallbackInfo& info);
  Napi::Value ExportTensors(const Napi::CallbackInfo& info);
  Napi::Value LoadWeights(const Napi::CallbackInfo& info);
  Napi::Value UnitBytes(const Napi::CallbackInfo& info);
  Napi::Value ModelBytes(const Napi::CallbackInfo& info);
  Napi::Value MomentumBytes(const Napi::CallbackInfo& info);
  Napi::Value ResetMomentum(const Napi::CallbackInfo& info);
  Napi::Value NonFiniteParams(const Napi::CallbackInfo& info);
  Napi::Value IsBusy(const Napi::CallbackInfo& info);
  // Data parallel (dist/group.h)
  Napi::Value JoinGroup(const Napi::CallbackInfo& info);
  Napi::Value GroupAgree(const Napi::CallbackInfo& info);
  Napi::Value GroupBroadcast(const Napi::CallbackInfo& info);
  Napi::Value LeaveGroup(const Napi::CallbackInfo& info);
  Group& requireGroup(const char* what) const;

  // Throws "model is busy" for synchronous calls made while a job runs.
  void requireIdle(const Napi::Env& env, const char* what);
  // A unit index in range, or std::invalid_argument.
  int64_t requireUnit(const Napi::Value& value) const;

  SessionPtr session_;
};

}  // namespace layerout
