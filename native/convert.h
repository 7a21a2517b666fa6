// JS values -> plain C++ structs, on the JS thread, so worker threads never touch JS.
// TypeScript validates every value first; these checks repeat the ones whose failure would
// crash the process (wrong types, zero batch sizes, out-of-range sizes) for callers of the raw
// native object, and throw std::invalid_argument naming the value.
#pragma once

#include "data.h"
#include "models/registry.h"
#include "train.h"

#include <napi.h>

namespace layerout {

Napi::Object requireObject(const Napi::Value& value, const char* what);
std::string requireString(const Napi::Value& value, const char* what);
// The bytes of a Buffer or Uint8Array, copied.
std::string requireBytes(const Napi::Value& value, const char* what);

double getNumber(const Napi::Object& obj, const char* key);
int64_t getInteger(const Napi::Object& obj, const char* key, int64_t min, int64_t max);
std::string getString(const Napi::Object& obj, const char* key);
std::vector<int64_t> toIntVector(const Napi::Value& value);
std::vector<bool> toBoolVector(const Napi::Value& value);

ModelSpec toModelSpec(const Napi::Object& obj);
AugmentOptions toAugmentOptions(const Napi::Object& obj);
EpochOptions toEpochOptions(const Napi::Object& obj);

// { batchSize, threads, augment }: the options every non-epoch job takes.
struct JobOptions {
  int64_t batchSize = 128;
  int64_t threads = 0;
  AugmentOptions augment;
  bool validation = false;  // evaluate: the validation split instead of the test set
};
JobOptions toJobOptions(const Napi::Object& obj);
// The `hyper` object of an options object: the optimizer's hyper-parameters by name.
OptimizerHyper toHyper(const Napi::Object& obj);

Napi::Buffer<uint8_t> toBuffer(const Napi::Env& env, const std::vector<uint8_t>& bytes);
Napi::Array toArray(const Napi::Env& env, const std::vector<double>& values);

}  // namespace layerout
