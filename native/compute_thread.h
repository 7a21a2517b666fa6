// One long-lived thread for all libtorch work of the addon. OpenMP keeps a thread team per OS
// thread; jobs landing on different libuv workers left idle teams spin-waiting against the busy
// one (measured: resnet20 on 2 cores ran 20-50% slower). Workers hand their job here and wait.
#pragma once

#include <functional>

namespace layerout {

// Runs `job` on the compute thread and blocks the caller until it finishes; exceptions rethrow here.
void runOnComputeThread(const std::function<void()>& job);

}  // namespace layerout
