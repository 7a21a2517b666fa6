// NativeModel's data: datasets copied onto the model's device.
#include "model_wrap.h"

#include "../convert.h"
#include "../data_input.h"
#include "../errors.h"

namespace layerout {

// setData(split: 'train'|'test'|'val', images: Uint8Array | Float32Array, labels, shape: [N, C, H, W])
Napi::Value ModelWrap::SetData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  requireIdle(env, "setData");
  guarded(env, "setData", [&] {
    const auto split = requireString(info[0], "split");
    if (split != "train" && split != "test" && split != "val") throw std::invalid_argument("split must be 'train', 'test' or 'val'");
    Dataset data;
    auto images = toImageTensor(info[1], info[3], session_->net->inputShape());
    auto labels = toLabelTensor(info[2], images.size(0), session_->spec.classes);
    if (labels.is_floating_point() != session_->objective->floatTargets()) {
      throw std::invalid_argument(std::string("the ") + session_->objective->name() + " objective takes " +
                                  (session_->objective->floatTargets() ? "float targets (a Float32Array)" : "class indices") +
                                  "; choose the objective before setting data of the other kind");
    }
    data.images = images.to(session_->device);
    data.labels = labels.to(session_->device);
    (split == "train" ? session_->trainSet : split == "val" ? session_->valSet : session_->testSet) = data;
  });
  return env.Undefined();
}

}  // namespace layerout
