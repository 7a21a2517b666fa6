// NativeModel's checkpoints and digests: bytes in and out (the run folder writes the files).
#include "model_wrap.h"

#include "../checkpoint.h"
#include "../convert.h"
#include "../errors.h"
#include "../workers.h"

namespace layerout {

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
    auto buffers = unitOptimizerState(*session_, unit);
    if (buffers.empty()) return env.Null();
    return toBuffer(env, tensorBytes(buffers));
  });
}

}  // namespace layerout
