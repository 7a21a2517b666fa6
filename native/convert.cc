#include "convert.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace layerout {

namespace {
[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

constexpr int64_t kMaxBatch = 1 << 20;
constexpr int64_t kMaxThreads = 1024;

std::vector<double> getDoubleArray(const Napi::Object& obj, const char* key) {
  auto value = obj.Get(key);
  if (!value.IsArray()) bad(std::string(key) + " must be an array of numbers");
  auto arr = value.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    auto v = arr.Get(i);
    if (!v.IsNumber()) bad(std::string(key) + " must be an array of numbers");
    out.push_back(v.As<Napi::Number>().DoubleValue());
  }
  return out;
}
}  // namespace

Napi::Object requireObject(const Napi::Value& value, const char* what) {
  if (!value.IsObject()) bad(std::string(what) + " must be an object");
  return value.As<Napi::Object>();
}

std::string requireString(const Napi::Value& value, const char* what) {
  if (!value.IsString()) bad(std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string requireBytes(const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    bad(std::string(what) + " must be a Buffer or Uint8Array");
  }
  auto bytes = value.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(bytes.Data()), bytes.ElementLength());
}

double getNumber(const Napi::Object& obj, const char* key) {
  auto v = obj.Get(key);
  if (!v.IsNumber()) bad(std::string(key) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) bad(std::string(key) + " must be finite");
  return d;
}

int64_t getInteger(const Napi::Object& obj, const char* key, int64_t min, int64_t max) {
  const double d = getNumber(obj, key);
  if (std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    bad(std::string(key) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(d);
}

std::string getString(const Napi::Object& obj, const char* key) { return requireString(obj.Get(key), key); }

std::vector<int64_t> toIntVector(const Napi::Value& value) {
  std::vector<int64_t> out;
  if (value.IsUndefined()) return out;
  if (!value.IsArray()) bad("expected an array of integers");
  auto arr = value.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    auto v = arr.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.5;
    if (std::floor(d) != d || d < 1 || d > (1 << 24)) bad("expected an array of positive integers");
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

std::vector<bool> toBoolVector(const Napi::Value& value) {
  if (!value.IsArray()) bad("mask must be an array of booleans");
  auto arr = value.As<Napi::Array>();
  std::vector<bool> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    auto v = arr.Get(i);
    if (!v.IsBoolean()) bad("mask must be an array of booleans");
    out[i] = v.As<Napi::Boolean>().Value();
  }
  return out;
}

namespace {
SpecLayer toSpecLayer(const Napi::Value& value, int depth) {
  if (depth > 32) bad("network spec nests residual blocks too deeply");
  auto obj = requireObject(value, "spec layer");
  SpecLayer l;
  l.type = getString(obj, "type");
  static const std::vector<std::string> types = {"conv", "batchnorm", "relu", "maxpool", "avgpool",
                                                 "globalavgpool", "flatten", "linear", "dropout", "residual"};
  if (std::find(types.begin(), types.end(), l.type) == types.end()) bad("unknown spec layer type '" + l.type + "'");
  l.path = getString(obj, "path");
  l.name = getString(obj, "name");
  l.exportName = getString(obj, "export");
  l.shortcutName = getString(obj, "shortcutName");
  l.shortcutExport = getString(obj, "shortcutExport");
  l.shortcutBnExport = getString(obj, "shortcutBnExport");
  if ((l.type == "conv" || l.type == "linear") && (l.name.empty() || l.exportName.empty())) bad(l.path + ": a conv or linear layer needs a name and an export key");
  l.in = getInteger(obj, "in", 0, 1 << 24);
  l.out = getInteger(obj, "out", 0, 1 << 24);
  const bool sized = l.type == "conv" || l.type == "maxpool" || l.type == "avgpool";
  l.kernel = getInteger(obj, "kernel", sized ? 1 : 0, 64);
  l.stride = getInteger(obj, "stride", 1, 64);
  l.padding = getInteger(obj, "padding", 0, 64);
  l.bias = obj.Get("bias").ToBoolean().Value();
  l.p = getNumber(obj, "p");
  if (l.p < 0 || l.p >= 1) bad("dropout p must be in [0, 1)");
  l.shortcut = getString(obj, "shortcut");
  if ((l.type == "conv" || l.type == "linear") && (l.in < 1 || l.out < 1)) bad(l.path + ": sizes must be positive");
  auto body = obj.Get("body");
  if (!body.IsArray()) bad("spec layer body must be an array");
  auto arr = body.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) l.body.push_back(toSpecLayer(arr.Get(i), depth + 1));
  if (l.type == "residual" && l.body.empty()) bad(l.path + ": a residual block needs a body");
  return l;
}
}  // namespace

ModelSpec toModelSpec(const Napi::Object& obj) {
  ModelSpec spec;
  spec.name = getString(obj, "model");
  spec.classes = getInteger(obj, "classes", 1, 100000);  // outputs: one for a single regression target
  spec.hidden = toIntVector(obj.Get("hidden"));
  spec.inputShape = toIntVector(obj.Get("inputShape"));
  for (auto d : spec.inputShape) {
    if (d > 4096) bad("inputShape entries must be at most 4096");
  }
  spec.channelsLast = obj.Get("channelsLast").ToBoolean().Value();
  const auto precision = obj.Get("precision");
  if (!precision.IsUndefined()) {
    const auto name = requireString(precision, "precision");
    if (name != "fp32" && name != "bf16") bad("precision must be fp32 or bf16");
    spec.bf16 = name == "bf16";
  }
  auto torchscript = obj.Get("torchscript");
  if (!torchscript.IsUndefined() && !torchscript.IsNull()) {
    spec.torchscript = requireString(torchscript, "torchscript");
    if (spec.torchscript.empty()) bad("torchscript must be a file path");
    auto units = obj.Get("torchscriptUnits");
    if (units.IsArray()) {
      auto list = units.As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); ++i) {
        auto unit = list.Get(i).As<Napi::Object>();
        std::vector<std::string> patterns;
        auto given = unit.Get("params").As<Napi::Array>();
        for (uint32_t j = 0; j < given.Length(); ++j) patterns.push_back(requireString(given.Get(j), "units pattern"));
        spec.scriptUnits.emplace_back(requireString(unit.Get("name"), "unit name"), patterns);
      }
    }
    if (spec.inputShape.size() != 3) bad("a TorchScript model needs inputShape [C, H, W]");
    return spec;
  }
  auto network = obj.Get("network");
  if (!network.IsUndefined() && !network.IsNull()) {
    auto n = requireObject(network, "network");
    auto plan = std::make_shared<NetworkPlan>();
    plan->convInit = getString(n, "convInit");
    plan->linearInit = getString(n, "linearInit");
    auto layers = n.Get("layers");
    if (!layers.IsArray()) bad("network layers must be an array");
    auto arr = layers.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) plan->layers.push_back(toSpecLayer(arr.Get(i), 0));
    if (plan->layers.empty()) bad("a network needs layers");
    if (spec.inputShape.size() != 3) bad("a network needs inputShape [C, H, W]");
    spec.network = plan;
    return spec;
  }
  bad("model '" + spec.name + "' needs a network plan or a TorchScript file");
}

AugmentOptions toAugmentOptions(const Napi::Object& obj) {
  AugmentOptions a;
  a.cropPad = getInteger(obj, "cropPad", 0, 64);
  a.flip = obj.Get("flip").ToBoolean().Value();
  a.eraseP = getNumber(obj, "eraseP");
  if (a.eraseP < 0 || a.eraseP > 1) bad("eraseP must be in [0, 1]");
  a.mean = getDoubleArray(obj, "mean");
  a.std = getDoubleArray(obj, "std");
  if (a.mean.empty() || a.mean.size() != a.std.size()) bad("mean and std need one entry per channel");
  for (double s : a.std) {
    if (!(s > 0) || !std::isfinite(s)) bad("std entries must be positive");
  }
  return a;
}

// `hyper`: the optimizer's hyper-parameters by name, each a finite number.
OptimizerHyper toHyper(const Napi::Object& obj) {
  auto hyper = requireObject(obj.Get("hyper"), "hyper");
  OptimizerHyper out;
  auto names = hyper.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const auto name = names.Get(i).ToString().Utf8Value();
    const double value = getNumber(hyper, name.c_str());
    if (!std::isfinite(value)) bad("hyper." + name + " must be finite");
    out.set(name, value);
  }
  return out;
}

EpochOptions toEpochOptions(const Napi::Object& obj) {
  EpochOptions o;
  o.epoch = getInteger(obj, "epoch", 0, 1LL << 40);
  o.seed = static_cast<uint64_t>(getInteger(obj, "seed", 0, 0xFFFFFFFFLL));
  o.batchSize = getInteger(obj, "batchSize", 1, kMaxBatch);
  o.threads = getInteger(obj, "threads", 0, kMaxThreads);
  o.progressEvery = getInteger(obj, "progressEvery", 1, 1LL << 40);
  o.hyper = toHyper(obj);
  o.augment = toAugmentOptions(requireObject(obj.Get("augment"), "augment"));
  const auto nonFinite = getString(obj, "onNonFinite");
  if (nonFinite == "stop") o.onNonFinite = NonFinite::Stop;
  else if (nonFinite == "skip-batch") o.onNonFinite = NonFinite::SkipBatch;
  else if (nonFinite == "continue") o.onNonFinite = NonFinite::Continue;
  else bad("onNonFinite must be stop, skip-batch or continue");
  o.startAborted = obj.Get("startAborted").ToBoolean().Value();
  if (obj.Has("clipGradNorm")) {
    o.clipGradNorm = getNumber(obj, "clipGradNorm");
    if (!(o.clipGradNorm > 0) || !std::isfinite(o.clipGradNorm)) bad("clipGradNorm must be a positive number");
  }
  if (obj.Has("stepLrs")) {
    o.stepLrs = getDoubleArray(obj, "stepLrs");
    for (double lr : o.stepLrs) {
      if (!(lr >= 0) || !std::isfinite(lr)) bad("stepLrs entries must be finite and not negative");
    }
  }
  auto masks = obj.Get("batchMasks");
  if (!masks.IsUndefined() && !masks.IsNull()) {
    if (!masks.IsArray()) bad("batchMasks must be an array of masks");
    auto arr = masks.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) o.batchMasks.push_back(toBoolVector(arr.Get(i)));
  }
  return o;
}

JobOptions toJobOptions(const Napi::Object& obj) {
  JobOptions o;
  o.batchSize = getInteger(obj, "batchSize", 1, kMaxBatch);
  o.threads = getInteger(obj, "threads", 0, kMaxThreads);
  o.augment = toAugmentOptions(requireObject(obj.Get("augment"), "augment"));
  o.validation = obj.Get("validation").ToBoolean().Value();
  return o;
}

Napi::Array toArray(const Napi::Env& env, const std::vector<double>& values) {
  auto arr = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) arr.Set(static_cast<uint32_t>(i), values[i]);
  return arr;
}

Napi::Buffer<uint8_t> toBuffer(const Napi::Env& env, const std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace layerout
