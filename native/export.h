// `layerout export`: the model's parameters and buffers as a file PyTorch opens with
// torch.load(), keyed by the module names of the PyTorch definitions (scripts/peer/peer.py).
#pragma once

#include "session.h"

#include <string>
#include <utility>
#include <vector>

namespace layerout {

// torch.save-compatible bytes of an ordered {name: tensor} dict (CPU tensors); for a model
// loaded from TorchScript, the TorchScript module itself with the trained weights.
std::vector<char> stateDictPickle(Session& session);

// The exported {name: tensor} pairs in forward order, detached CPU copies: each unit's weight and
// bias, then its BatchNorm's weight, bias, running_mean, running_var, num_batches_tracked.
// Throws for a TorchScript model (its own module is its export).
std::vector<std::pair<std::string, torch::Tensor>> exportTensors(Session& session);

}  // namespace layerout
