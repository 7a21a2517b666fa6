#include "model_wrap.h"

#include "checkpoint.h"
#include "convert.h"
#include "data_input.h"
#include "device.h"
#include "dist/grad_sync.h"
#include "errors.h"
#include "export.h"
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
                         InstanceMethod<&ModelWrap::Predict>("predict"),
                         InstanceMethod<&ModelWrap::StateDict>("stateDict"),
                         InstanceMethod<&ModelWrap::UnitBytes>("unitBytes"),
                         InstanceMethod<&ModelWrap::ModelBytes>("modelBytes"),
                         InstanceMethod<&ModelWrap::MomentumBytes>("momentumBytes"),
                         InstanceMethod<&ModelWrap::ResetMomentum>("resetMomentum"),
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

// setFrozen(mask: boolean[], bnMode: string)
Napi::Value ModelWrap::SetFrozen(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setFrozen");
  guarded(env, "setFrozen", [&] {
    auto mask = toBoolVector(info[0]);
    auto mode = parseBnMode(requireString(info[1], "bn mode"));
    applyFreeze(*session_->net, mask, mode);
    session_->mask = mask;
    session_->bnMode = mode;
  });
  return env.Undefined();
}

// setData(split: 'train'|'test', images: Uint8Array | Float32Array, labels, shape: [N, C, H, W])
Napi::Value ModelWrap::SetData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setData");
  guarded(env, "setData", [&] {
    const auto split = requireString(info[0], "split");
    if (split != "train" && split != "test") throw std::invalid_argument("split must be 'train' or 'test'");
    Dataset data;
    auto images = toImageTensor(info[1], info[3], session_->net->inputShape());
    auto labels = toLabelTensor(info[2], images.size(0), session_->spec.classes);
    data.images = images.to(session_->device);
    data.labels = labels.to(session_->device);
    (split == "train" ? session_->trainSet : session_->testSet) = data;
  });
  return env.Undefined();
}

// trainEpoch(options, onProgress) -> Promise<EpochResult>
Napi::Value ModelWrap::TrainEpoch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto options = guarded(env, "trainEpoch", [&] {
    if (!info[1].IsFunction()) throw std::invalid_argument("the progress callback must be a function");
    return toEpochOptions(requireObject(info[0], "epoch options"));
  });
  return EpochWorker::Start(env, session_, options, info[1].As<Napi::Function>());
}

// evaluate({ batchSize, threads, augment }) -> Promise<{ loss, acc, ms, samples }>
Napi::Value ModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto job = guarded(env, "evaluate", [&] { return toJobOptions(requireObject(info[0], "options")); });
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

// timeSteps({ steps, batchSize, threads, augment, profile? })
//   -> Promise<{ forwardMs[], backwardMs[], optimizerMs[], operators?: [{ name, selfMs, calls }] }>
Napi::Value ModelWrap::TimeSteps(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t steps = 0;
  bool profile = false;
  const auto job = guarded(env, "timeSteps", [&] {
    auto options = requireObject(info[0], "options");
    steps = getInteger(options, "steps", 1, 1000000);
    profile = options.Get("profile").ToBoolean().Value();
    // The profiler keeps every event in memory until the end.
    if (profile && steps > kMaxProfiledSteps) throw std::invalid_argument("steps must be at most 1000 when profiling");
    return toJobOptions(options);
  });
  auto result = std::make_shared<StepTimes>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, profile ? "profileSteps failed" : "timeSteps failed",
      [=] { *result = timeSteps(*session, steps, job.batchSize, job.threads, job.augment, profile); },
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
        if (profile) {
          auto ops = Napi::Array::New(e, result->operators.size());
          for (size_t i = 0; i < result->operators.size(); ++i) {
            auto op = Napi::Object::New(e);
            op.Set("name", result->operators[i].name);
            op.Set("selfMs", result->operators[i].selfMs);
            op.Set("calls", static_cast<double>(result->operators[i].calls));
            ops.Set(static_cast<uint32_t>(i), op);
          }
          obj.Set("operators", ops);
        }
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

// save(meta: string) -> Promise<Buffer>: the checkpoint's bytes (the run folder writes them)
Napi::Value ModelWrap::Save(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto meta = guarded(env, "save", [&] { return requireString(info[0], "checkpoint metadata"); });
  auto bytes = std::make_shared<std::string>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "could not serialise the checkpoint", [=] { *bytes = checkpointBytes(*session, meta); },
      [=](Napi::Env e) -> Napi::Value { return Napi::Buffer<char>::Copy(e, bytes->data(), bytes->size()); });
}

// load(bytes: Uint8Array, strict: boolean) -> Promise<{ meta, damaged: string[], verified }>
Napi::Value ModelWrap::Load(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto bytes = std::make_shared<std::string>(guarded(env, "load", [&] { return requireBytes(info[0], "checkpoint"); }));
  const bool strict = info[1].ToBoolean().Value();
  auto result = std::make_shared<RestoreResult>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "could not restore the checkpoint", [=] { *result = restoreCheckpoint(*session, *bytes, strict); },
      [=](Napi::Env e) -> Napi::Value {
        auto obj = Napi::Object::New(e);
        obj.Set("meta", result->meta);
        auto damaged = Napi::Array::New(e, result->damaged.size());
        for (size_t i = 0; i < result->damaged.size(); ++i) damaged.Set(static_cast<uint32_t>(i), result->damaged[i]);
        obj.Set("damaged", damaged);
        obj.Set("verified", result->verified);
        return obj;
      });
}

// predict(images, shape, { batchSize, threads, augment }) -> Promise<Float32Array> of N x classes logits
Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  JobOptions job;
  auto images = std::make_shared<torch::Tensor>();
  guarded(env, "predict", [&] {
    *images = toImageTensor(info[0], info[1], session_->net->inputShape());
    job = toJobOptions(requireObject(info[2], "options"));
  });
  auto logits = std::make_shared<torch::Tensor>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "predict failed",
      [=] { *logits = predict(*session, *images, job.batchSize, job.threads, job.augment); },
      [=](Napi::Env e) -> Napi::Value {
        auto out = Napi::Float32Array::New(e, static_cast<size_t>(logits->numel()));
        std::memcpy(out.Data(), logits->data_ptr<float>(), logits->nbytes());
        return out;
      });
}

// stateDict() -> Promise<Buffer>: torch.load-able {name: tensor} of every parameter and buffer
Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  auto bytes = std::make_shared<std::vector<char>>();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not export the weights", [=] { *bytes = stateDictPickle(*session); },
      [=](Napi::Env e) -> Napi::Value { return Napi::Buffer<char>::Copy(e, bytes->data(), bytes->size()); });
}

Napi::Value ModelWrap::UnitBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "unitBytes");
  const bool withStats = info[1].ToBoolean().Value();
  return guarded(env, "unitBytes", [&] {
    const auto unit = requireUnit(info[0]);
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
  return guarded(env, "momentumBytes", [&]() -> Napi::Value {
    const auto unit = requireUnit(info[0]);
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

// joinGroup({ rank, world, storePath, masterHost, masterPort, iface, timeoutMs, bucketBytes }) -> Promise<void>:
// blocks (off the JS thread) until every rank has joined or the timeout passes.
Napi::Value ModelWrap::JoinGroup(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t bucketBytes = 0;
  const auto options = guarded(env, "joinGroup", [&] {
    if (session_->group) throw std::invalid_argument("this model is already in a data-parallel group");
    auto obj = requireObject(info[0], "group options");
    GroupOptions o;
    o.world = getInteger(obj, "world", 1, 1 << 16);
    o.rank = getInteger(obj, "rank", 0, o.world - 1);
    o.storePath = getString(obj, "storePath");
    o.masterHost = getString(obj, "masterHost");
    o.masterPort = getInteger(obj, "masterPort", 0, 65535);
    o.iface = getString(obj, "iface");
    o.timeout = std::chrono::milliseconds(getInteger(obj, "timeoutMs", 1, 1LL << 40));
    bucketBytes = getInteger(obj, "bucketBytes", 4, 1LL << 40);
    if (o.storePath.empty() && o.masterHost.empty()) throw std::invalid_argument("a group needs storePath or masterHost");
    return o;
  });
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "could not join the data-parallel group",
      [=] {
        auto group = Group::join(options);
        session->group = group;
        session->gradientSync = std::make_shared<GradientSync>(group, bucketBytes);
        session->gradientsReadyHook = session->gradientSync;
      },
      [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
}

Group& ModelWrap::requireGroup(const char* what) const {
  if (!session_->group) throw std::invalid_argument(std::string(what) + ": this model is not in a data-parallel group");
  return *session_->group;
}

// groupAgree(values: number[], stop: boolean) -> Promise<{ equal, stop }>
Napi::Value ModelWrap::GroupAgree(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::vector<double> values;
  guarded(env, "groupAgree", [&] {
    requireGroup("groupAgree");
    if (!info[0].IsArray()) throw std::invalid_argument("values must be an array of numbers");
    auto arr = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      if (!arr.Get(i).IsNumber()) throw std::invalid_argument("values must be an array of numbers");
      values.push_back(arr.Get(i).As<Napi::Number>().DoubleValue());
    }
  });
  const bool stop = info[1].ToBoolean().Value();
  auto result = std::make_shared<Agreement>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "data-parallel agreement failed", [=] { *result = session->group->agree(values, stop); },
      [=](Napi::Env e) -> Napi::Value {
        auto obj = Napi::Object::New(e);
        obj.Set("equal", result->equal);
        obj.Set("stop", result->stop);
        return obj;
      });
}

// groupBroadcast(bytes: Uint8Array | null) -> Promise<Buffer>: rank 0's bytes on every rank
Napi::Value ModelWrap::GroupBroadcast(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto bytes = std::make_shared<std::string>(guarded(env, "groupBroadcast", [&] {
    requireGroup("groupBroadcast");
    return info[0].IsNull() || info[0].IsUndefined() ? std::string() : requireBytes(info[0], "bytes");
  }));
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "data-parallel broadcast failed", [=] { *bytes = session->group->broadcastBytes(*bytes); },
      [=](Napi::Env e) -> Napi::Value { return Napi::Buffer<char>::Copy(e, bytes->data(), bytes->size()); });
}

// leaveGroup(clean: boolean) -> Promise<void>: clean leaves in step with the other ranks
// (a barrier); otherwise the group is dropped where it stands (after a failure).
Napi::Value ModelWrap::LeaveGroup(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const bool clean = info[0].ToBoolean().Value();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "could not leave the data-parallel group",
      [=] {
        auto group = session->group;
        session->gradientsReadyHook.reset();
        session->gradientSync.reset();
        session->group.reset();
        if (group && clean) group->close();
      },
      [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
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

Napi::Value ModelWrap::IsBusy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), session_->busy.load());
}

}  // namespace layerout
