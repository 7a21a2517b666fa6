// Async workers: each runs one native job off the event loop and settles a Promise.
#pragma once

#include "session.h"
#include "train.h"

#include <napi.h>

#include <functional>
#include <string>

namespace layerout {

// Marks the session busy, or throws "model is busy" if another job holds it.
void acquire(const Napi::Env& env, Session& session, const std::string& what);

// A generic job: `work` runs on a worker thread; `resolve` builds the result on the JS thread.
class TaskWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Resolve = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise Start(const Napi::Env& env, SessionPtr session, const std::string& what, Work work,
                             Resolve resolve);

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  TaskWorker(const Napi::Env& env, SessionPtr session, std::string what, Work work, Resolve resolve);
  SessionPtr session_;
  std::string what_;
  Work work_;
  Resolve resolve_;
  Napi::Promise::Deferred deferred_;
};

// One training epoch, with progress reports delivered to a JS callback.
class EpochWorker : public Napi::AsyncProgressQueueWorker<Progress> {
 public:
  static Napi::Promise Start(const Napi::Env& env, SessionPtr session, EpochOptions options,
                             const Napi::Function& onProgress);

 protected:
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const Progress* data, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  EpochWorker(const Napi::Function& onProgress, SessionPtr session, EpochOptions options);
  void reportProgress(const Progress* data, size_t count);
  void settle();  // resolves or rejects the Promise with the epoch's result
  SessionPtr session_;
  EpochOptions options_;
  EpochResult result_;
  Napi::Reference<Napi::Value> callbackError_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace layerout
