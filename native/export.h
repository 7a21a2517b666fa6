// `layerout export`: the model's parameters and buffers as a file PyTorch opens with
// torch.load(), keyed by the module names of the PyTorch definitions (scripts/peer/peer.py).
#pragma once

#include "session.h"

#include <vector>

namespace layerout {

// torch.save-compatible bytes of an ordered {name: tensor} dict (CPU tensors); for a model
// loaded from TorchScript, the TorchScript module itself with the trained weights.
std::vector<char> stateDictPickle(Session& session);

}  // namespace layerout
