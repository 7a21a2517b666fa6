// NativeModel's exports: the weights as a file PyTorch opens.
#include "model_wrap.h"

#include "../errors.h"
#include "../export.h"
#include "../init_from.h"
#include "../workers.h"

#include <cstring>

namespace layerout {

// stateDict() -> Promise<Buffer>: torch.load-able {name: tensor} of every parameter and buffer
Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  auto bytes = std::make_shared<std::vector<char>>();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not export the weights", [=] { *bytes = stateDictPickle(*session); },
      [=](Napi::Env e) -> Napi::Value { return Napi::Buffer<char>::Copy(e, bytes->data(), bytes->size()); });
}

// exportTensors() -> Promise<{name, shape, data: Float32Array}[]>: the state dict's floating-point
// tensors as float32 (an ONNX writer's initializers); num_batches_tracked is left out.
Napi::Value ModelWrap::ExportTensors(const Napi::CallbackInfo& info) {
  auto tensors = std::make_shared<std::vector<std::pair<std::string, torch::Tensor>>>();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not read the weights",
      [=] {
        for (auto& [name, t] : exportTensors(*session)) {
          if (t.is_floating_point()) tensors->emplace_back(name, t.to(torch::kFloat32).contiguous());
        }
      },
      [=](Napi::Env e) -> Napi::Value {
        auto list = Napi::Array::New(e, tensors->size());
        for (size_t i = 0; i < tensors->size(); ++i) {
          const auto& [name, t] = (*tensors)[i];
          auto entry = Napi::Object::New(e);
          entry.Set("name", name);
          auto shape = Napi::Array::New(e, t.dim());
          for (int64_t d = 0; d < t.dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(e, static_cast<double>(t.size(d))));
          entry.Set("shape", shape);
          auto data = Napi::Float32Array::New(e, static_cast<size_t>(t.numel()));
          std::memcpy(data.Data(), t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
          entry.Set("data", data);
          list.Set(static_cast<uint32_t>(i), entry);
        }
        return list;
      });
}

// loadWeights(bytes: Uint8Array, skipUnits: number[]) -> Promise<{ loaded, missing, unexpected,
// skipped: string[], mismatched: { name, ours, theirs }[] }>: weights by name (--init-from); with
// any mismatch nothing is copied.
Napi::Value ModelWrap::LoadWeights(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  // Either a file's bytes (TorchScript, libtorch pickles) or tensors read in TypeScript:
  // [{ name, shape, data: Float32Array | BigInt64Array }], copied before the worker starts.
  auto bytes = std::make_shared<std::vector<char>>();
  auto given = std::make_shared<std::map<std::string, torch::Tensor>>();
  if (info[0].IsTypedArray()) {
    auto array = info[0].As<Napi::Uint8Array>();
    bytes->assign(reinterpret_cast<const char*>(array.Data()), reinterpret_cast<const char*>(array.Data()) + array.ByteLength());
  } else if (info[0].IsArray()) {
    auto list = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      auto entry = list.Get(i).As<Napi::Object>();
      std::vector<int64_t> shape;
      auto dims = entry.Get("shape").As<Napi::Array>();
      for (uint32_t d = 0; d < dims.Length(); ++d) shape.push_back(dims.Get(d).As<Napi::Number>().Int64Value());
      auto data = entry.Get("data").As<Napi::TypedArray>();
      const auto type = data.TypedArrayType();
      if (type != napi_float32_array && type != napi_bigint64_array) throw Napi::TypeError::New(env, "loadWeights: tensor data must be a Float32Array or BigInt64Array");
      const auto dtype = type == napi_float32_array ? torch::kFloat32 : torch::kInt64;
      auto raw = static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
      int64_t count = 1;
      for (auto d : shape) count *= d;
      if (static_cast<size_t>(count) != data.ElementLength()) throw Napi::RangeError::New(env, "loadWeights: a tensor's data does not match its shape");
      (*given)[entry.Get("name").As<Napi::String>().Utf8Value()] = torch::from_blob(raw, shape, torch::TensorOptions().dtype(dtype)).clone();
    }
  } else {
    throw Napi::TypeError::New(env, "loadWeights: give the file's bytes or its tensors");
  }
  std::set<int> skip;
  if (info[1].IsArray()) {
    auto list = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) skip.insert(list.Get(i).As<Napi::Number>().Int32Value());
  }
  auto result = std::make_shared<WeightMatch>();
  auto session = session_;
  return TaskWorker::Start(
      env, session_, "could not load the weights",
      [=] {
        if (given->empty()) *given = readWeightFile(*bytes);
        *result = loadNamedWeights(*session, *given, skip);
      },
      [=](Napi::Env e) -> Napi::Value {
        auto strings = [&](const std::vector<std::string>& v) {
          auto a = Napi::Array::New(e, v.size());
          for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), v[i]);
          return a;
        };
        auto shape = [&](const std::vector<int64_t>& v) {
          auto a = Napi::Array::New(e, v.size());
          for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(e, static_cast<double>(v[i])));
          return a;
        };
        auto out = Napi::Object::New(e);
        out.Set("loaded", strings(result->loaded));
        out.Set("missing", strings(result->missing));
        out.Set("unexpected", strings(result->unexpected));
        out.Set("skipped", strings(result->skipped));
        auto mismatched = Napi::Array::New(e, result->mismatched.size());
        for (size_t i = 0; i < result->mismatched.size(); ++i) {
          auto m = Napi::Object::New(e);
          m.Set("name", result->mismatched[i].name);
          m.Set("ours", shape(result->mismatched[i].ours));
          m.Set("theirs", shape(result->mismatched[i].theirs));
          m.Set("unit", result->mismatched[i].unit);
          mismatched.Set(static_cast<uint32_t>(i), m);
        }
        out.Set("mismatched", mismatched);
        return out;
      });
}

}  // namespace layerout
