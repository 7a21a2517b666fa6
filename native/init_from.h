// `--init-from`: weights from a torch.save'd state dict (PyTorch's, or a layerout export) or a
// TorchScript module, matched to the model's tensors by name (Net::namedState).
#pragma once

#include "session.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace layerout {

struct WeightMatch {
  std::vector<std::string> loaded, missing, unexpected, skipped;
  struct Mismatch {
    std::string name;
    std::vector<int64_t> ours, theirs;
    int unit = -1;  // the freeze unit the tensor belongs to
  };
  std::vector<Mismatch> mismatched;  // non-empty: nothing was copied
};

// The tensors of a TorchScript module file (its parameters and buffers) or of a state-dict pickle
// libtorch can read; torch.save files of PyTorch's state dicts are read in TypeScript instead
// (src/io/torch-save.ts: libtorch 1.13 unpickles their OrderedDict as None).
std::map<std::string, torch::Tensor> readWeightFile(const std::vector<char>& bytes);

// Copies every tensor of `theirs` whose name and shape match one of the model's, except those of
// the units in `skipUnits` (left as they are: a re-initialised head). A shape mismatch outside
// them copies nothing and is reported instead.
WeightMatch loadNamedWeights(Session& session, const std::map<std::string, torch::Tensor>& theirs, const std::set<int>& skipUnits);

}  // namespace layerout
