#include "export.h"

#include "models/torchscript_net.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <set>
#include <stdexcept>

namespace layerout {

std::vector<std::pair<std::string, torch::Tensor>> exportTensors(Session& session) {
  if (isTorchScriptNet(*session.net)) throw std::invalid_argument("a TorchScript model exports its own module, not named tensors");
  std::set<const void*> params;
  for (const auto& p : session.net->parameters()) params.insert(p.unsafeGetTensorImpl());
  std::vector<std::pair<std::string, torch::Tensor>> out;
  size_t exported = 0;
  for (auto& t : session.net->namedState()) {
    exported += params.count(t.tensor.unsafeGetTensorImpl());
    out.emplace_back(t.name, t.tensor.detach().to(torch::kCPU).contiguous());
  }
  // Every parameter belongs to a unit; a model that broke this would export an incomplete file.
  if (exported != params.size()) {
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
