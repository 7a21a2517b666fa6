// Everything one JS Model object owns natively: the net, its optimizer and objective, its data
// and flags.
#pragma once

#include "data.h"
#include "freeze.h"
#include "models/registry.h"
#include "objective.h"
#include "optim/optimizer.h"

#include <atomic>
#include <memory>
#include <string>

namespace layerout {

class GradientsReadyHook;
class Group;
class GradientSync;

struct Session {
  Session(const ModelSpec& spec, uint64_t seed, const torch::Device& device);

  ModelSpec spec;
  torch::Device device;
  NetPtr net;
  OptimizerPtr optimizer;  // sgd until the run configuration names another
  ObjectivePtr objective;  // cross-entropy until the run configuration names another
  std::vector<bool> mask;  // current freeze mask (all false = nothing frozen)
  BnModes bn;  // what frozen units' BatchNorms do
  Dataset trainSet, testSet, valSet;  // valSet: empty unless a run holds out a validation split
  // Runs between backward and the update of every training step (step.h); none by default.
  std::shared_ptr<GradientsReadyHook> gradientsReadyHook;
  // Data parallel (dist/): the process group this model trains in, and the hook that sums its
  // gradients (also installed as gradientsReadyHook). Null for a single process.
  std::shared_ptr<Group> group;
  std::shared_ptr<GradientSync> gradientSync;

  // Channels-last (spec.channelsLast): oneDNN's convolutions run faster on this layout on CPU.
  // Puts every 4-d parameter and its momentum buffer in the session's layout, channels-last or
  // NCHW (again after a checkpoint restore, whose tensors keep the strides they were saved with)...
  void applyMemoryFormat();
  // ...and every input batch.
  torch::Tensor input(const torch::Tensor& x) const {
    return spec.channelsLast && x.dim() == 4 ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
  }

  // The net's float32 logits for a batch, in this session's layout and precision (spec.bf16:
  // conv and linear run in bfloat16 under CPU autocast; weights, gradients, the loss and the
  // update stay float32). Every forward pass goes through here.
  torch::Tensor forward(const torch::Tensor& x);

  std::atomic<bool> busy{false};
  std::atomic<bool> abortRequested{false};
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace layerout
