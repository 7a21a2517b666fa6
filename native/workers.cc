#include "workers.h"

#include "convert.h"

#include "compute_thread.h"
#include "dist/group.h"
#include "errors.h"

namespace layerout {

namespace {
// Whether this environment can still run JavaScript: a terminating one cannot.
bool canRunJavaScript(const Napi::Env& env) {
  try {
    env.RunScript("0");
    return true;
  } catch (const Napi::Error&) {
    return false;
  }
}

// A worker's JS-side callbacks can run while its environment is being torn down (a worker
// thread terminated mid-epoch): N-API calls then fail and throw, and an exception escaping a
// callback aborts the whole process. Nothing is left to settle then.
template <typename Body>
void unlessTornDown(const Napi::Env& env, Body&& body) {
  try {
    body();
  } catch (const Napi::Error&) {
    if (canRunJavaScript(env)) throw;  // a real error: it surfaces as an uncaught exception
  }
}
}  // namespace

void acquire(const Napi::Env& env, Session& session, const std::string& what) {
  if (session.busy.exchange(true)) {
    throw Napi::Error::New(env, what + ": model is busy (another epoch, evaluation or checkpoint is running)");
  }
  session.abortRequested = false;
}

// ---- TaskWorker

TaskWorker::TaskWorker(const Napi::Env& env, SessionPtr session, std::string what, Work work, Resolve resolve)
    : Napi::AsyncWorker(env),
      session_(std::move(session)),
      what_(std::move(what)),
      work_(std::move(work)),
      resolve_(std::move(resolve)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

Napi::Promise TaskWorker::Start(const Napi::Env& env, SessionPtr session, const std::string& what, Work work,
                                Resolve resolve) {
  acquire(env, *session, what);
  auto* worker = new TaskWorker(env, std::move(session), what, std::move(work), std::move(resolve));
  auto promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

void TaskWorker::Execute() {
  try {
    runOnComputeThread(work_);
  } catch (const std::exception& e) {
    // A group's errors already say what failed, on which rank and why.
    SetError(dynamic_cast<const GroupError*>(&e) ? std::string(e.what()) : what_ + ": " + describe(e));
  }
}

void TaskWorker::OnOK() {
  session_->busy = false;
  unlessTornDown(Env(), [&] {
    Napi::HandleScope scope(Env());
    try {
      deferred_.Resolve(resolve_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  });
}

void TaskWorker::OnError(const Napi::Error& error) {
  session_->busy = false;
  unlessTornDown(Env(), [&] { deferred_.Reject(error.Value()); });
}

// ---- EpochWorker

EpochWorker::EpochWorker(const Napi::Function& onProgress, SessionPtr session, EpochOptions options)
    : Napi::AsyncProgressQueueWorker<Progress>(onProgress),
      session_(std::move(session)),
      options_(std::move(options)),
      deferred_(Napi::Promise::Deferred::New(onProgress.Env())) {}

Napi::Promise EpochWorker::Start(const Napi::Env& env, SessionPtr session, EpochOptions options,
                                 const Napi::Function& onProgress) {
  acquire(env, *session, "trainEpoch");
  if (options.startAborted) session->abortRequested = true;
  auto* worker = new EpochWorker(onProgress, std::move(session), std::move(options));
  auto promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

void EpochWorker::Execute(const ExecutionProgress& progress) {
  try {
    // Send() is thread-safe: progress goes out from the compute thread directly.
    runOnComputeThread([&] { result_ = trainEpoch(*session_, options_, [&](const Progress& p) { progress.Send(&p, 1); }); });
  } catch (const std::exception& e) {
    SetError("trainEpoch failed: " + describe(e));
  }
}

void EpochWorker::OnProgress(const Progress* data, size_t count) {
  unlessTornDown(Env(), [&] { reportProgress(data, count); });
}

void EpochWorker::reportProgress(const Progress* data, size_t count) {
  Napi::HandleScope scope(Env());
  for (size_t i = 0; i < count; ++i) {
    auto obj = Napi::Object::New(Env());
    obj.Set("batch", static_cast<double>(data[i].batch));
    obj.Set("batches", static_cast<double>(data[i].batches));
    obj.Set("loss", data[i].loss);
    obj.Set("acc", data[i].acc);
    try {
      Callback().Call({obj});
    } catch (const Napi::Error& e) {
      // A throwing progress callback aborts the epoch and rejects its Promise with that error.
      if (callbackError_.IsEmpty()) callbackError_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      session_->abortRequested = true;
    }
  }
}

void EpochWorker::OnOK() {
  session_->busy = false;
  unlessTornDown(Env(), [&] { settle(); });
}

void EpochWorker::settle() {
  Napi::HandleScope scope(Env());
  if (!callbackError_.IsEmpty()) {
    deferred_.Reject(callbackError_.Value());
    return;
  }
  auto obj = Napi::Object::New(Env());
  obj.Set("trainLoss", result_.trainLoss);
  obj.Set("trainAcc", result_.trainAcc);
  obj.Set("trainMetrics", toArray(Env(), result_.trainMetrics));
  obj.Set("dataMs", result_.dataMs);
  obj.Set("forwardMs", result_.forwardMs);
  obj.Set("backwardMs", result_.backwardMs);
  obj.Set("optimizerMs", result_.optimizerMs);
  obj.Set("epochMs", result_.epochMs);
  obj.Set("batches", static_cast<double>(result_.batches));
  obj.Set("samples", static_cast<double>(result_.samples));
  obj.Set("aborted", result_.aborted);
  obj.Set("skippedBatches", static_cast<double>(result_.skippedBatches));
  obj.Set("maxGradNorm", result_.maxGradNorm);
  obj.Set("clippedSteps", static_cast<double>(result_.clippedSteps));
  obj.Set("allreducedBytes", static_cast<double>(result_.allreducedBytes));
  obj.Set("allreduceMs", result_.allreduceMs);
  if (result_.stoppedNonFinite) {
    auto stop = Napi::Object::New(Env());
    stop.Set("batch", static_cast<double>(result_.nonFiniteBatch));
    stop.Set("loss", result_.nonFiniteLoss);
    obj.Set("nonFinite", stop);
  } else {
    obj.Set("nonFinite", Env().Null());
  }
  deferred_.Resolve(obj);
}

void EpochWorker::OnError(const Napi::Error& error) {
  session_->busy = false;
  unlessTornDown(Env(), [&] { deferred_.Reject(error.Value()); });
}

}  // namespace layerout
