// The NativeModel class: its method table, construction, and what it says about itself.
#include "model_wrap.h"

#include "../convert.h"
#include "../device.h"
#include "../errors.h"

namespace layerout {

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {
                         InstanceMethod<&ModelWrap::Info>("info"),
                         InstanceMethod<&ModelWrap::SetFrozen>("setFrozen"),
                         InstanceMethod<&ModelWrap::SetTraining>("setTraining"),
                         InstanceMethod<&ModelWrap::SetData>("setData"),
                         InstanceMethod<&ModelWrap::TrainEpoch>("trainEpoch"),
                         InstanceMethod<&ModelWrap::Evaluate>("evaluate"),
                         InstanceMethod<&ModelWrap::Abort>("abort"),
                         InstanceMethod<&ModelWrap::TimeSteps>("timeSteps"),
                         InstanceMethod<&ModelWrap::CudaMemory>("cudaMemory"),
                         InstanceMethod<&ModelWrap::Save>("save"),
                         InstanceMethod<&ModelWrap::Load>("load"),
                         InstanceMethod<&ModelWrap::Predict>("predict"),
                         InstanceMethod<&ModelWrap::StateDict>("stateDict"),
                         InstanceMethod<&ModelWrap::ExportTensors>("exportTensors"),
                         InstanceMethod<&ModelWrap::LoadWeights>("loadWeights"),
                         InstanceMethod<&ModelWrap::UnitBytes>("unitBytes"),
                         InstanceMethod<&ModelWrap::ModelBytes>("modelBytes"),
                         InstanceMethod<&ModelWrap::MomentumBytes>("momentumBytes"),
                         InstanceMethod<&ModelWrap::ResetMomentum>("resetMomentum"),
                         InstanceMethod<&ModelWrap::NonFiniteParams>("nonFiniteParams"),
                         InstanceMethod<&ModelWrap::IsBusy>("isBusy"),
                         InstanceMethod<&ModelWrap::JoinGroup>("joinGroup"),
                         InstanceMethod<&ModelWrap::GroupAgree>("groupAgree"),
                         InstanceMethod<&ModelWrap::GroupBroadcast>("groupBroadcast"),
                         InstanceMethod<&ModelWrap::LeaveGroup>("leaveGroup"),
                     });
}

// new NativeModel({ model, classes, hidden?, inputShape?, seed, device })
ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  guarded(info.Env(), "could not build model", [&] {
    auto options = requireObject(info[0], "model options");
    auto spec = toModelSpec(options);
    auto device = parseDevice(getString(options, "device"));
    const auto seed = static_cast<uint64_t>(getInteger(options, "seed", 0, 0xFFFFFFFFLL));
    session_ = std::make_shared<Session>(spec, seed, device);
  });
}

void ModelWrap::requireIdle(const Napi::Env& env, const char* what) {
  if (session_->busy) throw Napi::Error::New(env, std::string(what) + ": model is busy (an epoch or job is running)");
}

int64_t ModelWrap::requireUnit(const Napi::Value& value) const {
  const auto units = static_cast<int64_t>(session_->net->units().size());
  if (!value.IsNumber()) throw std::invalid_argument("unit must be a number");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < static_cast<double>(units) && static_cast<double>(static_cast<int64_t>(d)) == d)) {
    throw std::invalid_argument("unit must be an integer in [0, " + std::to_string(units) + ")");
  }
  return static_cast<int64_t>(d);
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& net = *session_->net;
  auto obj = Napi::Object::New(env);
  obj.Set("model", session_->spec.name);
  obj.Set("classes", static_cast<double>(session_->spec.classes));
  obj.Set("device", session_->device.str());
  obj.Set("totalParams", static_cast<double>(net.totalParams()));
  auto shape = Napi::Array::New(env);
  for (size_t i = 0; i < net.inputShape().size(); ++i) shape.Set(i, static_cast<double>(net.inputShape()[i]));
  obj.Set("inputShape", shape);
  auto layers = Napi::Array::New(env);
  const auto& units = net.units();
  for (size_t i = 0; i < units.size(); ++i) {
    auto u = Napi::Object::New(env);
    u.Set("index", static_cast<double>(i));
    u.Set("name", units[i].name);
    u.Set("kind", units[i].kind);
    u.Set("params", static_cast<double>(units[i].params));
    if (units[i].macs < 0) u.Set("macs", env.Null());
    else u.Set("macs", static_cast<double>(units[i].macs));
    u.Set("hasBatchNorm", units[i].hasBn());
    double bnParams = 0;
    for (const auto& p : units[i].bnParams()) bnParams += static_cast<double>(p.numel());
    u.Set("bnParams", bnParams);
    layers.Set(i, u);
  }
  obj.Set("layers", layers);
  return obj;
}

Napi::Value ModelWrap::IsBusy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), session_->busy.load());
}

// cudaMemory(reset) -> { peakBytes } on CUDA; null on CPU or without CUDA support in this build
Napi::Value ModelWrap::CudaMemory(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const bool reset = info[0].ToBoolean().Value();
  return guarded(env, "cudaMemory", [&]() -> Napi::Value {
    int64_t peak = 0;
    if (!cudaPeakBytes(session_->device, reset, peak)) return env.Null();
    auto obj = Napi::Object::New(env);
    obj.Set("peakBytes", static_cast<double>(peak));
    return obj;
  });
}

}  // namespace layerout
