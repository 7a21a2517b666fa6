// Networks loaded from TorchScript files (torch.jit.script(net).save / torch.jit.trace): the
// module's own parameters and buffers are registered in the Net, so freezing, the optimizer,
// checkpoints and digests work on them as on the built-in models.
#pragma once

#include "../net.h"

#include <string>
#include <utility>
#include <vector>

namespace layerout {

// Loads `path`; errors say whether the file is not TorchScript or comes from a newer PyTorch,
// and a module that does not map [2, C, H, W] to [2, classes] is refused at once.
// `units`: named groups of parameter-name patterns; empty: the default grouping.
NetPtr buildTorchScriptNet(const std::string& path, const std::vector<int64_t>& inputShape, int64_t classes,
                           const std::vector<std::pair<std::string, std::vector<std::string>>>& units = {});

bool isTorchScriptNet(const Net& net);

// The module as a TorchScript file with the current (trained) weights; false for other nets.
bool torchScriptBytes(Net& net, std::vector<char>& out);

}  // namespace layerout
