// One long-lived thread for the addon's heavy libtorch work: every asynchronous job (epochs,
// evaluation, prediction, step timing, checkpoint (de)serialisation, export) runs here. OpenMP
// keeps a thread team per OS thread; jobs landing on different libuv workers left idle teams
// spin-waiting against the busy one (measured: resnet20 on 2 cores ran 20-50% slower).
// Small synchronous calls still use libtorch on the JS thread: building a model, copying data
// in (setData), applying a mask, digests, augmentBatch and checkpointMeta.
#pragma once

#include <functional>

namespace layerout {

// Runs `job` on the compute thread and blocks the caller until it finishes; exceptions rethrow here.
void runOnComputeThread(const std::function<void()>& job);

}  // namespace layerout
