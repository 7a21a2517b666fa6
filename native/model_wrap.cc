#include "model_wrap.h"

#include "checkpoint.h"
#include "convert.h"
#include "device.h"
#include "errors.h"
#include "workers.h"

#include <cstring>

namespace layerout {

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {
                         InstanceMethod<&ModelWrap::Info>("info"),
                         InstanceMethod<&ModelWrap::SetFrozen>("setFrozen"),
                         InstanceMethod<&ModelWrap::SetData>("setData"),
                         InstanceMethod<&ModelWrap::TrainEpoch>("trainEpoch"),
                         InstanceMethod<&ModelWrap::Evaluate>("evaluate"),
                         InstanceMethod<&ModelWrap::Abort>("abort"),
                         InstanceMethod<&ModelWrap::TimeSteps>("timeSteps"),
                         InstanceMethod<&ModelWrap::CudaMemory>("cudaMemory"),
                         InstanceMethod<&ModelWrap::Save>("save"),
                         InstanceMethod<&ModelWrap::Load>("load"),
                         InstanceMethod<&ModelWrap::UnitBytes>("unitBytes"),
                         InstanceMethod<&ModelWrap::ModelBytes>("modelBytes"),
                         InstanceMethod<&ModelWrap::MomentumBytes>("momentumBytes"),
                         InstanceMethod<&ModelWrap::ResetMomentum>("resetMomentum"),
                         InstanceMethod<&ModelWrap::IsBusy>("isBusy"),
                     });
}

// new NativeModel({ model, classes, hidden?, inputShape?, seed, device })
ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  auto options = info[0].As<Napi::Object>();
  guarded(info.Env(), "could not build model", [&] {
    auto spec = toModelSpec(options);
    auto device = parseDevice(getString(options, "device"));
    session_ = std::make_shared<Session>(spec, static_cast<uint64_t>(getNumber(options, "seed")), device);
  });
}

void ModelWrap::requireIdle(const Napi::Env& env, const char* what) {
  if (session_->busy) throw Napi::Error::New(env, std::string(what) + ": model is busy (an epoch or job is running)");
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
    u.Set("macs", static_cast<double>(units[i].macs));
    u.Set("hasBatchNorm", !units[i].bn.is_empty());
    u.Set("bnParams", units[i].bn.is_empty() ? 0.0 : static_cast<double>(2 * units[i].bn->weight.numel()));
    layers.Set(i, u);
  }
  obj.Set("layers", layers);
  return obj;
}

// setFrozen(mask: boolean[], bnMode: string)
Napi::Value ModelWrap::SetFrozen(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setFrozen");
  guarded(env, "setFrozen", [&] {
    auto mask = toBoolVector(info[0]);
    auto mode = parseBnMode(info[1].As<Napi::String>().Utf8Value());
    applyFreeze(*session_->net, mask, mode);
    session_->mask = mask;
    session_->bnMode = mode;
  });
  return env.Undefined();
}

// setData(split: 'train'|'test', images: Uint8Array, labels: Int32Array, shape: [N, C, H, W])
Napi::Value ModelWrap::SetData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setData");
  guarded(env, "setData", [&] {
    const auto split = info[0].As<Napi::String>().Utf8Value();
    auto images = info[1].As<Napi::Uint8Array>();
    auto labels = info[2].As<Napi::Int32Array>();
    auto shape = toIntVector(info[3]);
    Dataset data;
    data.images = torch::from_blob(images.Data(), shape, torch::kUInt8).clone().to(session_->device);
    data.labels = torch::from_blob(labels.Data(), {static_cast<int64_t>(labels.ElementLength())}, torch::kInt32)
                      .to(torch::kInt64)
                      .to(session_->device);
    (split == "train" ? session_->trainSet : session_->testSet) = data;
  });
  return env.Undefined();
}

// trainEpoch(options, onProgress) -> Promise<EpochResult>
Napi::Value ModelWrap::TrainEpoch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto options = guarded(env, "trainEpoch", [&] { return toEpochOptions(info[0].As<Napi::Object>()); });
  return EpochWorker::Start(env, session_, options, info[1].As<Napi::Function>());
}

// evaluate({ batchSize, threads, augment }) -> Promise<{ loss, acc, ms, samples }>
Napi::Value ModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto job = guarded(env, "evaluate", [&] { return toJobOptions(info[0].As<Napi::Object>()); });
  auto result = std::make_shared<EvalResult>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "evaluate failed",
      [=] { *result = evaluate(*session, job.batchSize, job.threads, job.augment); },
      [=](Napi::Env e) -> Napi::Value {
        auto obj = Napi::Object::New(e);
        obj.Set("loss", result->loss);
        obj.Set("acc", result->acc);
        obj.Set("ms", result->ms);
        obj.Set("samples", static_cast<double>(result->samples));
        return obj;
      });
}

// timeSteps({ steps, batchSize, threads, augment }) -> Promise<{ forwardMs[], backwardMs[], optimizerMs[] }>
Napi::Value ModelWrap::TimeSteps(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto options = info[0].As<Napi::Object>();
  const auto steps = static_cast<int64_t>(getNumber(options, "steps"));
  const auto job = guarded(env, "timeSteps", [&] { return toJobOptions(options); });
  auto result = std::make_shared<StepTimes>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "timeSteps failed",
      [=] { *result = timeSteps(*session, steps, job.batchSize, job.threads, job.augment); },
      [=](Napi::Env e) -> Napi::Value {
        auto toArray = [&](const std::vector<double>& v) {
          auto arr = Napi::Array::New(e, v.size());
          for (size_t i = 0; i < v.size(); ++i) arr.Set(i, v[i]);
          return arr;
        };
        auto obj = Napi::Object::New(e);
        obj.Set("forwardMs", toArray(result->forwardMs));
        obj.Set("backwardMs", toArray(result->backwardMs));
        obj.Set("optimizerMs", toArray(result->optimizerMs));
        return obj;
      });
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

Napi::Value ModelWrap::Abort(const Napi::CallbackInfo& info) {
  session_->abortRequested = true;
  return info.Env().Undefined();
}

// save(path, meta) -> Promise<void>
Napi::Value ModelWrap::Save(const Napi::CallbackInfo& info) {
  const auto path = info[0].As<Napi::String>().Utf8Value();
  const auto meta = info[1].As<Napi::String>().Utf8Value();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not save checkpoint " + path, [=] { saveCheckpoint(*session, path, meta); },
      [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
}

// load(path) -> Promise<string meta>
Napi::Value ModelWrap::Load(const Napi::CallbackInfo& info) {
  const auto path = info[0].As<Napi::String>().Utf8Value();
  auto meta = std::make_shared<std::string>();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not load checkpoint " + path, [=] { *meta = loadCheckpoint(*session, path); },
      [=](Napi::Env e) -> Napi::Value { return Napi::String::New(e, *meta); });
}

Napi::Value ModelWrap::UnitBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "unitBytes");
  const auto unit = info[0].As<Napi::Number>().Int64Value();
  const bool withStats = info[1].ToBoolean().Value();
  return guarded(env, "unitBytes", [&] {
    return toBuffer(env, tensorBytes(withStats ? unitState(*session_, unit) : unitParams(*session_, unit)));
  });
}

Napi::Value ModelWrap::ModelBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "modelBytes");
  return guarded(env, "modelBytes", [&] { return toBuffer(env, tensorBytes(modelState(*session_))); });
}

// momentumBytes(unit) -> Buffer | null (null until every parameter of the unit has a buffer)
Napi::Value ModelWrap::MomentumBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "momentumBytes");
  const auto unit = info[0].As<Napi::Number>().Int64Value();
  return guarded(env, "momentumBytes", [&]() -> Napi::Value {
    auto buffers = unitMomentum(*session_, unit);
    if (buffers.empty()) return env.Null();
    return toBuffer(env, tensorBytes(buffers));
  });
}

Napi::Value ModelWrap::ResetMomentum(const Napi::CallbackInfo& info) {
  requireIdle(info.Env(), "resetMomentum");
  session_->sgd->resetMomentum();
  return info.Env().Undefined();
}

Napi::Value ModelWrap::IsBusy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), session_->busy.load());
}

}  // namespace layerout
