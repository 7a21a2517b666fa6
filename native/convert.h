// JS values -> plain C++ structs. TypeScript has validated every value already; these only
// read them, so worker threads never touch JS.
#pragma once

#include "data.h"
#include "models/registry.h"
#include "train.h"

#include <napi.h>

namespace layerout {

double getNumber(const Napi::Object& obj, const char* key);
std::string getString(const Napi::Object& obj, const char* key);
std::vector<int64_t> toIntVector(const Napi::Value& value);
std::vector<int64_t> getIntArray(const Napi::Object& obj, const char* key);
std::vector<bool> toBoolVector(const Napi::Value& value);

ModelSpec toModelSpec(const Napi::Object& obj);
AugmentOptions toAugmentOptions(const Napi::Object& obj);
EpochOptions toEpochOptions(const Napi::Object& obj);

// { batchSize, threads, augment }: the options every non-epoch job takes.
struct JobOptions {
  int64_t batchSize = 128;
  int64_t threads = 0;
  AugmentOptions augment;
};
JobOptions toJobOptions(const Napi::Object& obj);

Napi::Buffer<uint8_t> toBuffer(const Napi::Env& env, const std::vector<uint8_t>& bytes);

}  // namespace layerout
