// CIFAR ResNets: He et al.'s basic-block networks with option-A (zero-padded identity)
// shortcuts, and the authors' bottleneck "ResNet-110" with 1x1 conv shortcuts.
#include "init.h"
#include "registry.h"

#include <stdexcept>

namespace layerout {
namespace {

struct Block {
  std::vector<torch::nn::Conv2d> convs;
  std::vector<torch::nn::BatchNorm2d> bns;
  torch::nn::Conv2d shortcutConv{nullptr};   // bottleneck projection, when present
  torch::nn::BatchNorm2d shortcutBn{nullptr};
  int64_t stride = 1;
  int64_t padChannels = 0;                   // option A: channels added by zero padding
};

class CifarResNet : public Net {
 public:
  CifarResNet(int64_t blocksPerStage, bool bottleneck, int64_t classes) {
    inputShape_ = {3, 32, 32};
    int64_t h = 32, w = 32;
    stem_ = addConv("conv1", 3, 16, 3, 1, 1, false, h, w, true);
    stemBn_ = units_.back().bn;
    units_.back().torchName = "conv1";
    units_.back().torchBnName = "bn1";
    const int64_t expansion = bottleneck ? 4 : 1;
    int64_t in = 16;
    for (int64_t stage = 0; stage < 3; ++stage) {
      const int64_t planes = 16 << stage;
      for (int64_t b = 0; b < blocksPerStage; ++b) {
        const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
        const std::string prefix = "layer" + std::to_string(stage + 1) + "." + std::to_string(b) + ".";
        Block block;
        block.stride = stride;
        const std::string torchPrefix = "blocks." + std::to_string(blocks_.size()) + ".";
        const int64_t inH = h, inW = w;
        auto conv = [&](const std::string& n, int64_t ci, int64_t co, int64_t k, int64_t s) {
          block.convs.push_back(addConv(prefix + n, ci, co, k, s, k / 2, false, h, w, true));
          block.bns.push_back(units_.back().bn);
          const auto j = std::to_string(block.convs.size() - 1);
          units_.back().torchName = torchPrefix + "convs." + j;
          units_.back().torchBnName = torchPrefix + "bns." + j;
        };
        if (bottleneck) {
          conv("conv1", in, planes, 1, 1);
          conv("conv2", planes, planes, 3, stride);
          conv("conv3", planes, planes * expansion, 1, 1);
          if (stride != 1 || in != planes * expansion) {
            int64_t sh = inH, sw = inW;
            block.shortcutConv = addConv(prefix + "shortcut", in, planes * expansion, 1, stride, 0, false, sh, sw, true);
            block.shortcutBn = units_.back().bn;
            units_.back().torchName = torchPrefix + "short_conv";
            units_.back().torchBnName = torchPrefix + "short_bn";
          }
        } else {
          conv("conv1", in, planes, 3, stride);
          conv("conv2", planes, planes, 3, 1);
          block.padChannels = planes - in;
        }
        blocks_.push_back(block);
        in = planes * expansion;
      }
    }
    fc_ = addLinear("fc", in, classes);
    units_.back().torchName = "fc";
    initialiseUnits(*this, Init::HeFanOut);
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    auto x = stemBn_->forward(stem_->forward(input)).relu_();
    for (auto& block : blocks_) x = forwardBlock(block, x);
    x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    return fc_->forward(x);
  }

 private:
  torch::Tensor forwardBlock(Block& block, const torch::Tensor& x) {
    auto out = x;
    const size_t last = block.convs.size() - 1;
    for (size_t i = 0; i <= last; ++i) {
      out = block.bns[i]->forward(block.convs[i]->forward(out));
      if (i < last) out.relu_();
    }
    torch::Tensor shortcut = x;
    if (!block.shortcutConv.is_empty()) {
      shortcut = block.shortcutBn->forward(block.shortcutConv->forward(x));
    } else if (block.stride != 1 || block.padChannels > 0) {
      // Option A: subsample spatially, then zero-pad the new channels (no parameters).
      using torch::indexing::None;
      using torch::indexing::Slice;
      shortcut = x.index({Slice(), Slice(), Slice(None, None, block.stride), Slice(None, None, block.stride)});
      const int64_t half = block.padChannels / 2;
      shortcut = torch::constant_pad_nd(shortcut, {0, 0, 0, 0, half, block.padChannels - half}, 0);
    }
    return (out + shortcut).relu_();
  }

  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stemBn_{nullptr};
  std::vector<Block> blocks_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace

NetPtr buildResNet(int64_t depth, int64_t classes) {
  if (depth < 8 || (depth - 2) % 6 != 0) throw std::invalid_argument("resnet depth must be 6n+2");
  return std::make_shared<CifarResNet>((depth - 2) / 6, false, classes);
}

NetPtr buildResNetBottleneck(int64_t blocksPerStage, int64_t classes) {
  return std::make_shared<CifarResNet>(blocksPerStage, true, classes);
}

}  // namespace layerout
