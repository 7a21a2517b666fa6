// The data-parallel gradients-ready hook: every trainable parameter's gradient is summed over the
// ranks in flat float32 buckets. Frozen parameters (requires_grad off: the same on every rank,
// since the ranks agreed on the mask) have no gradient and are not sent.
//
// Buckets hold parameters in reverse order (the order backward produces their gradients) and
// each is all-reduced as soon as all of its gradients have arrived, while backward goes on
// through earlier layers. Buckets always start in the same order on every rank (Gloo matches
// collectives by order). Autograd sums a parameter's uses before its hook runs, so each gradient
// arrives once per step (tested with a TorchScript module that applies one conv twice).
#pragma once

#include "../step.h"
#include "group.h"

#include <functional>
#include <mutex>

namespace layerout {

class GradientSync : public GradientsReadyHook {
 public:
  GradientSync(GroupPtr group, int64_t bucketBytes) : group_(std::move(group)), bucketBytes_(bucketBytes) {}
  ~GradientSync() override;

  void onBackwardStart(Session& session) override;
  void onGradientsReady(Session& session, StepSums& sums) override;

  // Gradient bytes all-reduced and the time spent waiting for the all-reduce after backward,
  // since the last reset.
  int64_t bytes() const { return bytes_; }
  double ms() const { return ms_; }
  void resetCounters() {
    bytes_ = 0;
    ms_ = 0;
  }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indexes into params_
    std::vector<int64_t> offsets;
    torch::Tensor flat;
    size_t pending = 0;  // gradients still to arrive this step
  };

  void rebuild(Session& session, std::vector<torch::Tensor> trainable);
  void removeHooks();
  void onGradient(size_t param, const torch::Tensor& grad);
  void startReadyBuckets();  // starts buckets in order, up to the first incomplete one

  GroupPtr group_;
  int64_t bucketBytes_;
  int64_t bytes_ = 0;
  double ms_ = 0;

  std::vector<torch::Tensor> params_;  // trainable parameters, reverse order
  std::vector<unsigned> hooks_;
  std::vector<size_t> bucketOf_, slotOf_;
  std::vector<char> arrived_;  // this step's gradient came through its hook
  std::vector<Bucket> buckets_;
  size_t nextBucket_ = 0;  // the next bucket to start: they start in order
  bool inStep_ = false;
  std::mutex mutex_;     // hooks may run on autograd's device threads (CUDA)
  std::vector<Group::Wait> waits_;  // in-flight all-reduces of this step
};

}  // namespace layerout
