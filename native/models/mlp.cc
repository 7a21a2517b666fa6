// A small multilayer perceptron over the flattened input, for tests and quick experiments.
#include "init.h"
#include "registry.h"

namespace layerout {
namespace {

class Mlp : public Net {
 public:
  Mlp(const std::vector<int64_t>& inputShape, const std::vector<int64_t>& hidden, int64_t classes) {
    inputShape_ = inputShape;
    int64_t in = 1;
    for (auto d : inputShape) in *= d;
    std::vector<int64_t> widths = hidden;
    widths.push_back(classes);
    for (size_t i = 0; i < widths.size(); ++i) {
      layers_.push_back(addLinear("fc" + std::to_string(i + 1), in, widths[i]));
      units_.back().torchName = "layers." + std::to_string(i);
      in = widths[i];
    }
    initialiseUnits(*this, Init::Xavier);
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    auto x = input.flatten(1);
    for (size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x);
      if (i + 1 < layers_.size()) x.relu_();
    }
    return x;
  }

 private:
  std::vector<torch::nn::Linear> layers_;
};

}  // namespace

NetPtr buildMlp(const std::vector<int64_t>& inputShape, const std::vector<int64_t>& hidden, int64_t classes) {
  return std::make_shared<Mlp>(inputShape, hidden, classes);
}

}  // namespace layerout
