// Networks loaded from TorchScript files (torch.jit.script(net).save / torch.jit.trace): the
// module's own parameters and buffers are registered in the Net, so freezing, the optimizer,
// checkpoints and digests work on them as on the built-in models.
#pragma once

#include "../net.h"

#include <string>
#include <vector>

namespace layerout {

// Loads `path`; errors say whether the file is not TorchScript or comes from a newer PyTorch.
NetPtr buildTorchScriptNet(const std::string& path, const std::vector<int64_t>& inputShape);

// The module as a TorchScript file with the current (trained) weights; false for other nets.
bool torchScriptBytes(Net& net, std::vector<char>& out);

}  // namespace layerout
