// NativeModel's training: the freeze mask, the optimizer and objective, epochs, evaluation,
// prediction and timed steps (each long job an async worker on the compute thread).
#include "model_wrap.h"

#include "../convert.h"
#include "../data_input.h"
#include "../errors.h"
#include "../workers.h"

#include <cstring>

namespace layerout {

// setFrozen(mask: boolean[], bnMode: string, perUnit?: string[])
Napi::Value ModelWrap::SetFrozen(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setFrozen");
  guarded(env, "setFrozen", [&] {
    auto mask = toBoolVector(info[0]);
    BnModes modes;
    modes.all = parseBnMode(requireString(info[1], "bn mode"));
    // Optional third argument: one mode per unit (units pinned frozen keep theirs).
    if (info.Length() > 2 && info[2].IsArray()) {
      auto list = info[2].As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); ++i) modes.perUnit.push_back(parseBnMode(requireString(list.Get(i), "bn mode")));
      if (modes.perUnit.size() != mask.size()) throw std::invalid_argument("per-unit bn modes need one entry per unit");
    }
    applyFreeze(*session_->net, mask, modes);
    session_->mask = mask;
    session_->bn = modes;
  });
  return env.Undefined();
}

// setTraining({ optimizer, objective, objectiveSettings? }): the optimizer and objective kinds a
// run names (an optimizer of another kind starts with no state), the objective's settings by name.
Napi::Value ModelWrap::SetTraining(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setTraining");
  guarded(env, "setTraining", [&] {
    auto options = requireObject(info[0], "training options");
    const auto optimizer = getString(options, "optimizer");
    std::map<std::string, double> settings;
    auto given = options.Get("objectiveSettings");
    if (!given.IsUndefined() && !given.IsNull()) {
      auto object = requireObject(given, "objectiveSettings");
      auto names = object.GetPropertyNames();
      for (uint32_t i = 0; i < names.Length(); ++i) {
        const auto name = names.Get(i).ToString().Utf8Value();
        settings[name] = getNumber(object, name.c_str());
      }
    }
    auto objective = makeObjective(getString(options, "objective"), settings);
    // Targets already set must suit it (class indices or float values).
    for (const auto* set : {&session_->trainSet, &session_->valSet, &session_->testSet}) {
      if (set->size() > 0 && set->labels.is_floating_point() != objective->floatTargets()) {
        throw std::invalid_argument("the data's targets are " + std::string(set->labels.is_floating_point() ? "float values" : "class indices") +
                                    " but the " + objective->name() + " objective takes " + (objective->floatTargets() ? "float values" : "class indices"));
      }
    }
    auto& current = session_->optimizer;
    if (current->kind() != optimizer) current = makeOptimizer(optimizer, current->params(), current->paramNames());
    session_->objective = std::move(objective);
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

// evaluate({ batchSize, threads, augment, validation? }) -> Promise<{ loss, acc, ms, samples }>
Napi::Value ModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto job = guarded(env, "evaluate", [&] { return toJobOptions(requireObject(info[0], "options")); });
  auto result = std::make_shared<EvalResult>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "evaluate failed",
      [=] { *result = evaluate(*session, job.batchSize, job.threads, job.augment, job.validation); },
      [=](Napi::Env e) -> Napi::Value {
        auto obj = Napi::Object::New(e);
        obj.Set("loss", result->loss);
        obj.Set("acc", result->acc);
        obj.Set("metrics", toArray(e, result->metrics));
        obj.Set("ms", result->ms);
        obj.Set("samples", static_cast<double>(result->samples));
        return obj;
      });
}

Napi::Value ModelWrap::Abort(const Napi::CallbackInfo& info) {
  session_->abortRequested = true;
  return info.Env().Undefined();
}

// timeSteps({ steps, batchSize, threads, augment, hyper, profile? })
//   -> Promise<{ forwardMs[], backwardMs[], optimizerMs[], operators?: [{ name, selfMs, calls }] }>
Napi::Value ModelWrap::TimeSteps(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t steps = 0;
  bool profile = false;
  OptimizerHyper hyper;
  const auto job = guarded(env, "timeSteps", [&] {
    auto options = requireObject(info[0], "options");
    steps = getInteger(options, "steps", 1, 1000000);
    hyper = toHyper(options);
    profile = options.Get("profile").ToBoolean().Value();
    // The profiler keeps every event in memory until the end.
    if (profile && steps > kMaxProfiledSteps) throw std::invalid_argument("steps must be at most 1000 when profiling");
    return toJobOptions(options);
  });
  auto result = std::make_shared<StepTimes>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, profile ? "profileSteps failed" : "timeSteps failed",
      [=] { *result = timeSteps(*session, steps, job.batchSize, job.threads, job.augment, hyper, profile); },
      [=](Napi::Env e) -> Napi::Value {
        auto obj = Napi::Object::New(e);
        obj.Set("forwardMs", toArray(e, result->forwardMs));
        obj.Set("backwardMs", toArray(e, result->backwardMs));
        obj.Set("optimizerMs", toArray(e, result->optimizerMs));
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

Napi::Value ModelWrap::ResetMomentum(const Napi::CallbackInfo& info) {
  requireIdle(info.Env(), "resetMomentum");
  session_->optimizer->resetState();
  return info.Env().Undefined();
}

// nonFiniteParams() -> string[]: the names of parameters holding a NaN or an infinity.
Napi::Value ModelWrap::NonFiniteParams(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "nonFiniteParams");
  return guarded(env, "nonFiniteParams", [&]() -> Napi::Value {
    torch::NoGradGuard noGrad;
    const auto& params = session_->optimizer->params();
    const auto& names = session_->optimizer->paramNames();
    auto out = Napi::Array::New(env);
    for (size_t i = 0; i < params.size(); ++i) {
      if (!torch::isfinite(params[i]).all().item<bool>()) out.Set(out.Length(), names[i]);
    }
    return out;
  });
}

}  // namespace layerout
