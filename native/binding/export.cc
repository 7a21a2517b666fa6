// NativeModel's exports: the weights as a file PyTorch opens.
#include "model_wrap.h"

#include "../errors.h"
#include "../export.h"
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

}  // namespace layerout
