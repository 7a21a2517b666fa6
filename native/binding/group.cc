// NativeModel's data-parallel group (dist/): joining, agreeing, broadcasting and leaving, each
// blocking off the JS thread.
#include "model_wrap.h"

#include "../convert.h"
#include "../dist/grad_sync.h"
#include "../errors.h"
#include "../workers.h"

namespace layerout {

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

}  // namespace layerout
