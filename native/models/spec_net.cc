// Networks from a declarative spec (src/spec): a sequence of layers, residual blocks nested,
// built with the same freeze units as the built-in models (conv + the batchnorm after it,
// linear), in forward order.
#include "registry.h"

#include <stdexcept>

namespace layerout {
namespace {

struct Op {
  const SpecLayer* layer = nullptr;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear linear{nullptr};
  std::vector<Op> body;                        // residual
  torch::nn::Conv2d shortcutConv{nullptr};     // residual with a projection shortcut
  torch::nn::BatchNorm2d shortcutBn{nullptr};
};

class SpecNet : public Net {
 public:
  SpecNet(const std::vector<int64_t>& inputShape, const NetworkPlan& plan) : plan_(plan) {
    if (inputShape.size() != 3) throw std::invalid_argument("a spec network needs its input shape [C, H, W]");
    inputShape_ = inputShape;
    int64_t h = inputShape[1], w = inputShape[2];
    ops_ = build(plan_.layers, h, w);
    initialise();
  }

  torch::Tensor forward(const torch::Tensor& input) override { return run(ops_, input); }

 private:
  // Builds the ops of one sequence, advancing the spatial size so each conv's MACs are known.
  std::vector<Op> build(const std::vector<SpecLayer>& layers, int64_t& h, int64_t& w) {
    std::vector<Op> ops;
    for (size_t i = 0; i < layers.size(); ++i) {
      const auto& l = layers[i];
      Op op;
      op.layer = &l;
      if (l.type == "conv") {
        const bool withBn = i + 1 < layers.size() && layers[i + 1].type == "batchnorm";
        op.conv = addConv(l.name, l.in, l.out, l.kernel, l.stride, l.padding, l.bias, h, w, withBn);
        units_.back().torchName = l.exportName;
        if (withBn) {
          op.bn = units_.back().bn;
          units_.back().torchBnName = layers[i + 1].exportName;
          ++i;  // the batchnorm is part of this op
        }
      } else if (l.type == "linear") {
        op.linear = addLinear(l.name, l.in, l.out, l.bias);
        units_.back().torchName = l.exportName;
      } else if (l.type == "maxpool" || l.type == "avgpool") {
        h = (h - l.kernel) / l.stride + 1;
        w = (w - l.kernel) / l.stride + 1;
      } else if (l.type == "globalavgpool") {
        h = w = 1;
      } else if (l.type == "residual") {
        const int64_t inH = h, inW = w;
        op.body = build(l.body, h, w);
        if (l.shortcut == "projection") {
          int64_t sh = inH, sw = inW;
          op.shortcutConv = addConv(l.shortcutName, l.in, l.out, 1, l.stride, 0, false, sh, sw, true);
          op.shortcutBn = units_.back().bn;
          units_.back().torchName = l.shortcutExport;
          units_.back().torchBnName = l.shortcutBnExport;
        }
      } else if (l.type == "batchnorm") {
        throw std::invalid_argument(l.path + ": a batchnorm must come directly after a conv");
      }
      ops.push_back(std::move(op));
    }
    return ops;
  }

  torch::Tensor run(std::vector<Op>& ops, torch::Tensor x) {
    const std::string* previous = nullptr;
    for (auto& op : ops) {
      const auto& t = op.layer->type;
      if (t == "conv") {
        x = op.conv->forward(x);
        if (!op.bn.is_empty()) x = op.bn->forward(x);
      } else if (t == "relu") {
        // In place on a tensor this sequence just made (conv, BatchNorm, linear and residual
        // sums do not keep their output for backward), as the PyTorch definitions do; anywhere
        // else (the input, a view) out of place.
        const bool fresh = previous && (*previous == "conv" || *previous == "linear" || *previous == "residual");
        x = fresh ? x.relu_() : torch::relu(x);
      } else if (t == "maxpool") {
        x = torch::max_pool2d(x, op.layer->kernel, op.layer->stride);
      } else if (t == "avgpool") {
        x = torch::avg_pool2d(x, op.layer->kernel, op.layer->stride);
      } else if (t == "globalavgpool") {
        x = torch::adaptive_avg_pool2d(x, {1, 1});
      } else if (t == "flatten") {
        x = x.flatten(1);
      } else if (t == "linear") {
        x = op.linear->forward(x);
      } else if (t == "dropout") {
        x = torch::dropout(x, op.layer->p, is_training());
      } else if (t == "residual") {
        x = run(op.body, x) + shortcut(op, x);
      }
      previous = &t;
    }
    return x;
  }

  torch::Tensor shortcut(Op& op, const torch::Tensor& x) {
    const auto& l = *op.layer;
    if (l.shortcut == "projection") return op.shortcutBn->forward(op.shortcutConv->forward(x));
    if (l.shortcut != "option-a") return x;
    // Option A (as the built-in ResNets): subsample, then zero-pad the new channels.
    using torch::indexing::None;
    using torch::indexing::Slice;
    auto s = l.stride == 1 ? x : x.index({Slice(), Slice(), Slice(None, None, l.stride), Slice(None, None, l.stride)});
    const int64_t pad = l.out - l.in, half = pad / 2;
    return pad > 0 ? torch::constant_pad_nd(s, {0, 0, 0, 0, half, pad - half}, 0) : s;
  }

  void initialise() {
    torch::NoGradGuard noGrad;
    for (auto& unit : units_) {
      const auto& scheme = unit.kind == "conv" ? plan_.convInit : plan_.linearInit;
      auto& weight = unit.weights[0];
      if (scheme == "xavier") {
        torch::nn::init::xavier_uniform_(weight);
      } else {
        if (scheme == "he-fan-in") torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanIn, torch::kReLU);
        else torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanOut, torch::kReLU);
      }
      if (unit.weights.size() > 1) unit.weights[1].zero_();
      if (!unit.bn.is_empty()) {
        unit.bn->weight.fill_(1.0);
        unit.bn->bias.zero_();
      }
    }
  }

  NetworkPlan plan_;  // owned copy: ops point into its layers
  std::vector<Op> ops_;
};

}  // namespace

NetPtr buildSpecNet(const std::vector<int64_t>& inputShape, const NetworkPlan& plan) {
  return std::make_shared<SpecNet>(inputShape, plan);
}

}  // namespace layerout
