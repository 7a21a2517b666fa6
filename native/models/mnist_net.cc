// The paper's MNIST network: five unpadded 3x3 convs and two linear layers on 1x32x32 input.
#include "init.h"
#include "registry.h"

namespace layerout {
namespace {

class MnistNet : public Net {
 public:
  explicit MnistNet(int64_t classes) {
    inputShape_ = {1, 32, 32};
    int64_t h = 32, w = 32;
    const int64_t channels[] = {1, 32, 64, 128, 64, 32};
    const int64_t strides[] = {1, 2, 1, 2, 1};
    for (int i = 0; i < 5; ++i) {
      convs_.push_back(addConv("conv" + std::to_string(i + 1), channels[i], channels[i + 1], 3, strides[i], 0,
                               /*bias=*/true, h, w, /*withBn=*/false));
      units_.back().torchName = "convs." + std::to_string(i);
    }
    fc1_ = addLinear("fc1", 32 * h * w, 1024);
    fc2_ = addLinear("fc2", 1024, classes);
    units_[5].torchName = "fc1";
    units_[6].torchName = "fc2";
    initialiseUnits(*this, Init::Xavier);
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    auto x = input;
    for (auto& conv : convs_) x = conv->forward(x).relu_();
    x = fc1_->forward(x.flatten(1)).relu_();
    return fc2_->forward(x);
  }

 private:
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};

}  // namespace

NetPtr buildMnistNet(int64_t classes) { return std::make_shared<MnistNet>(classes); }

}  // namespace layerout
