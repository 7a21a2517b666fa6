#include "convert.h"

namespace layerout {

double getNumber(const Napi::Object& obj, const char* key) { return obj.Get(key).As<Napi::Number>().DoubleValue(); }

std::string getString(const Napi::Object& obj, const char* key) { return obj.Get(key).As<Napi::String>().Utf8Value(); }

std::vector<int64_t> toIntVector(const Napi::Value& value) {
  std::vector<int64_t> out;
  if (!value.IsArray()) return out;
  auto arr = value.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(arr.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

std::vector<int64_t> getIntArray(const Napi::Object& obj, const char* key) { return toIntVector(obj.Get(key)); }

std::vector<double> getDoubleArray(const Napi::Object& obj, const char* key) {
  std::vector<double> out;
  auto arr = obj.Get(key).As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(arr.Get(i).As<Napi::Number>().DoubleValue());
  return out;
}

std::vector<bool> toBoolVector(const Napi::Value& value) {
  auto arr = value.As<Napi::Array>();
  std::vector<bool> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out[i] = arr.Get(i).ToBoolean().Value();
  return out;
}

ModelSpec toModelSpec(const Napi::Object& obj) {
  ModelSpec spec;
  spec.name = getString(obj, "model");
  spec.classes = static_cast<int64_t>(getNumber(obj, "classes"));
  spec.hidden = getIntArray(obj, "hidden");
  spec.inputShape = getIntArray(obj, "inputShape");
  return spec;
}

AugmentOptions toAugmentOptions(const Napi::Object& obj) {
  AugmentOptions a;
  a.cropPad = static_cast<int64_t>(getNumber(obj, "cropPad"));
  a.flip = obj.Get("flip").ToBoolean().Value();
  a.eraseP = getNumber(obj, "eraseP");
  a.mean = getDoubleArray(obj, "mean");
  a.std = getDoubleArray(obj, "std");
  return a;
}

EpochOptions toEpochOptions(const Napi::Object& obj) {
  EpochOptions o;
  o.epoch = static_cast<int64_t>(getNumber(obj, "epoch"));
  o.seed = static_cast<uint64_t>(getNumber(obj, "seed"));
  o.batchSize = static_cast<int64_t>(getNumber(obj, "batchSize"));
  o.threads = static_cast<int64_t>(getNumber(obj, "threads"));
  o.progressEvery = static_cast<int64_t>(getNumber(obj, "progressEvery"));
  o.hyper.lr = getNumber(obj, "lr");
  o.hyper.momentum = getNumber(obj, "momentum");
  o.hyper.weightDecay = getNumber(obj, "weightDecay");
  o.augment = toAugmentOptions(obj.Get("augment").As<Napi::Object>());
  return o;
}

JobOptions toJobOptions(const Napi::Object& obj) {
  JobOptions o;
  o.batchSize = static_cast<int64_t>(getNumber(obj, "batchSize"));
  o.threads = static_cast<int64_t>(getNumber(obj, "threads"));
  o.augment = toAugmentOptions(obj.Get("augment").As<Napi::Object>());
  return o;
}

Napi::Buffer<uint8_t> toBuffer(const Napi::Env& env, const std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace layerout
