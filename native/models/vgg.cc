// VGG-16 with BatchNorm for 32x32 inputs: 13 convs, 5 max-pools, three linear layers.
#include "init.h"
#include "registry.h"

namespace layerout {
namespace {

class Vgg16 : public Net {
 public:
  explicit Vgg16(int64_t classes) {
    inputShape_ = {3, 32, 32};
    const int64_t widths[] = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    const bool poolAfter[] = {false, true, false, true, false, false, true, false, false, true, false, false, true};
    int64_t h = 32, w = 32, in = 3;
    for (int i = 0; i < 13; ++i) {
      auto conv = addConv("conv" + std::to_string(i + 1), in, widths[i], 3, 1, 1, /*bias=*/true, h, w, true);
      layers_.push_back({conv, units_.back().bn, poolAfter[i]});
      units_.back().torchName = "convs." + std::to_string(i);
      units_.back().torchBnName = "bns." + std::to_string(i);
      if (poolAfter[i]) h /= 2, w /= 2;
      in = widths[i];
    }
    fc1_ = addLinear("fc1", 512 * h * w, 4096);
    fc2_ = addLinear("fc2", 4096, 4096);
    fc3_ = addLinear("fc3", 4096, classes);
    for (int i = 0; i < 3; ++i) units_[13 + i].torchName = "fc" + std::to_string(i + 1);
    initialiseUnits(*this, Init::HeFanOut);
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    auto x = input;
    for (auto& layer : layers_) {
      x = layer.bn->forward(layer.conv->forward(x)).relu_();
      if (layer.pool) x = torch::max_pool2d(x, 2);
    }
    x = fc1_->forward(x.flatten(1)).relu_();
    x = fc2_->forward(x).relu_();
    return fc3_->forward(x);
  }

 private:
  struct ConvLayer {
    torch::nn::Conv2d conv;
    torch::nn::BatchNorm2d bn;
    bool pool;
  };
  std::vector<ConvLayer> layers_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};

}  // namespace

NetPtr buildVgg16(int64_t classes) { return std::make_shared<Vgg16>(classes); }

}  // namespace layerout
