#include "export.h"

#include "models/torchscript_net.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <stdexcept>

namespace layerout {

std::vector<std::pair<std::string, torch::Tensor>> exportTensors(Session& session) {
  if (isTorchScriptNet(*session.net)) throw std::invalid_argument("a TorchScript model exports its own module, not named tensors");
  std::vector<std::pair<std::string, torch::Tensor>> out;
  int64_t exported = 0;
  auto put = [&](const std::string& name, const torch::Tensor& t) {
    out.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  };
  for (const auto& unit : session.net->units()) {
    const auto layer = unit.torchName.empty() ? unit.name : unit.torchName;
    put(layer + ".weight", unit.weights.at(0));
    if (unit.weights.size() > 1) put(layer + ".bias", unit.weights[1]);
    exported += static_cast<int64_t>(unit.weights.size());
    if (!unit.bn.is_empty()) {
      const auto bn = unit.torchBnName.empty() ? unit.name + "_bn" : unit.torchBnName;
      put(bn + ".weight", unit.bn->weight);
      put(bn + ".bias", unit.bn->bias);
      put(bn + ".running_mean", unit.bn->running_mean);
      put(bn + ".running_var", unit.bn->running_var);
      put(bn + ".num_batches_tracked", unit.bn->num_batches_tracked);
      exported += 2;
    }
  }
  // Every parameter belongs to a unit; a model that broke this would export an incomplete file.
  if (exported != static_cast<int64_t>(session.net->parameters().size())) {
    throw std::logic_error("model has parameters outside its freeze units; cannot export");
  }
  return out;
}

std::vector<char> stateDictPickle(Session& session) {
  std::vector<char> script;
  if (torchScriptBytes(*session.net, script)) return script;  // a TorchScript model exports itself
  c10::Dict<std::string, at::Tensor> dict;
  for (auto& [name, tensor] : exportTensors(session)) dict.insert(name, tensor);
  return torch::pickle_save(c10::IValue(dict));
}

}  // namespace layerout
