// The optimizer seam: what the epoch loop, checkpoints, the freeze rules and data parallel ask of
// any optimizer. An implementation updates only the parameters that have a gradient (a frozen
// parameter's gradient is undefined, so it, and its state, stay untouched: PyTorch's rule for a
// gradient of None), and names its per-parameter state so checkpoints store it by name.
#pragma once

#include <torch/torch.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace layerout {

// The hyper-parameters of one update by the run configuration's names ("lr", "momentum",
// "weightDecay", ...): TypeScript sends, checked, the ones the optimizer kind reads (src/optim/),
// so a new optimizer's settings need no new field here.
class OptimizerHyper {
 public:
  OptimizerHyper() = default;
  OptimizerHyper(std::initializer_list<std::pair<const std::string, double>> values) : values_(values) {}
  void set(const std::string& name, double value) { values_[name] = value; }
  // The value of `name`; std::invalid_argument names one the caller did not send.
  double get(const std::string& name) const;

 private:
  std::map<std::string, double> values_;
};

class Optimizer {
 public:
  // `names`: each parameter's name in the network (checkpoints key state by it).
  Optimizer(std::vector<torch::Tensor> params, std::vector<std::string> names);
  virtual ~Optimizer() = default;

  // Its kind as the run configuration names it ("sgd").
  virtual std::string kind() const = 0;
  // Updates every parameter that has a gradient.
  virtual void step(const OptimizerHyper& hyper) = 0;
  // The per-parameter state it keeps, by PyTorch's names ("momentum_buffer", ...).
  virtual std::vector<std::string> stateNames() const = 0;
  // Parameter i's state of that name; undefined until the parameter's first update.
  virtual torch::Tensor& state(size_t i, const std::string& name) = 0;
  // Forgets all state (the authors' code rebuilds its optimizer every LayerOut epoch).
  virtual void resetState() = 0;

  // Sets every gradient to undefined (PyTorch's set_to_none).
  void clearGrads();
  const std::vector<torch::Tensor>& params() const { return params_; }
  const std::vector<std::string>& paramNames() const { return names_; }
  // Index of a parameter in params(), or -1.
  int64_t indexOf(const torch::Tensor& p) const;
  // Every state tensor with its parameter's index (undefined ones included).
  std::vector<std::pair<size_t, torch::Tensor*>> allState(const std::string& name);

 protected:
  std::vector<torch::Tensor> params_;
  std::vector<std::string> names_;
};

using OptimizerPtr = std::unique_ptr<Optimizer>;

// An optimizer of a kind the run configuration names; throws for an unknown kind.
OptimizerPtr makeOptimizer(const std::string& kind, std::vector<torch::Tensor> params, std::vector<std::string> names);

}  // namespace layerout
