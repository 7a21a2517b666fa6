// NativeModel's exports: the weights as a file PyTorch opens.
#include "model_wrap.h"

#include "../errors.h"
#include "../export.h"
#include "../workers.h"

namespace layerout {

// stateDict() -> Promise<Buffer>: torch.load-able {name: tensor} of every parameter and buffer
Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  auto bytes = std::make_shared<std::vector<char>>();
  auto session = session_;
  return TaskWorker::Start(
      info.Env(), session_, "could not export the weights", [=] { *bytes = stateDictPickle(*session); },
      [=](Napi::Env e) -> Napi::Value { return Napi::Buffer<char>::Copy(e, bytes->data(), bytes->size()); });
}

}  // namespace layerout
