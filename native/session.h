// Everything one JS Model object owns natively: the net, its optimizer, its data and flags.
#pragma once

#include "data.h"
#include "freeze.h"
#include "models/registry.h"
#include "sgd.h"

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
  std::unique_ptr<Sgd> sgd;
  std::vector<bool> mask;  // current freeze mask (all false = nothing frozen)
  BnMode bnMode = BnMode::Train;
  Dataset trainSet, testSet;
  // Runs between backward and the update of every training step (step.h); none by default.
  std::shared_ptr<GradientsReadyHook> gradientsReadyHook;
  // Data parallel (dist/): the process group this model trains in, and the hook that sums its
  // gradients (also installed as gradientsReadyHook). Null for a single process.
  std::shared_ptr<Group> group;
  std::shared_ptr<GradientSync> gradientSync;

  // Channels-last (spec.channelsLast): oneDNN's convolutions run faster on this layout on CPU.
  // Puts every 4-d parameter in it (again after a checkpoint restore replaced the tensors)...
  void applyMemoryFormat();
  // ...and every input batch.
  torch::Tensor input(const torch::Tensor& x) const {
    return spec.channelsLast && x.dim() == 4 ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
  }

  // Mixed precision (spec.bf16): a forward pass's scope. Autocast state is per thread, so every
  // forward on the compute thread opens one; conv and linear then run in bfloat16 while weights,
  // gradients, the loss and the update stay float32.
  class Precision {
   public:
    explicit Precision(const Session& session);
    ~Precision();
    Precision(const Precision&) = delete;
    Precision& operator=(const Precision&) = delete;

   private:
    bool on_, wasEnabled_ = false;
    at::ScalarType wasType_ = at::kBFloat16;
  };

  std::atomic<bool> busy{false};
  std::atomic<bool> abortRequested{false};
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace layerout
