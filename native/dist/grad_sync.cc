#include "grad_sync.h"

#include <chrono>

namespace layerout {

GradientSync::~GradientSync() { removeHooks(); }

void GradientSync::removeHooks() {
  for (size_t i = 0; i < hooks_.size(); ++i) params_[i].remove_hook(hooks_[i]);
  hooks_.clear();
}

void GradientSync::rebuild(Session& session, std::vector<torch::Tensor> trainable) {
  removeHooks();
  params_ = std::move(trainable);
  buckets_.clear();
  bucketOf_.assign(params_.size(), 0);
  slotOf_.assign(params_.size(), 0);
  const int64_t bucketFloats = std::max<int64_t>(1, bucketBytes_ / 4);
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(session.device);
  for (size_t i = 0; i < params_.size();) {
    Bucket bucket;
    int64_t floats = 0;
    while (i < params_.size() && (bucket.members.empty() || floats + params_[i].numel() <= bucketFloats)) {
      bucketOf_[i] = buckets_.size();
      slotOf_[i] = bucket.members.size();
      bucket.members.push_back(i);
      bucket.offsets.push_back(floats);
      floats += params_[i].numel();
      ++i;
    }
    bucket.flat = torch::empty({floats}, options);
    buckets_.push_back(std::move(bucket));
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    hooks_.push_back(params_[i].register_hook([this, i](const torch::Tensor& grad) { onGradient(i, grad); }));
  }
}

void GradientSync::onBackwardStart(Session& session) {
  // Trainable parameters in reverse: the order backward produces their gradients.
  std::vector<torch::Tensor> trainable;
  const auto& all = session.optimizer->params();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->requires_grad()) trainable.push_back(*it);
  }
  bool same = trainable.size() == params_.size();
  for (size_t i = 0; same && i < trainable.size(); ++i) same = trainable[i].is_same(params_[i]);
  if (!same) rebuild(session, std::move(trainable));  // a new mask (once per epoch, or per batch)
  std::lock_guard<std::mutex> lock(mutex_);
  arrived_.assign(params_.size(), 0);
  for (auto& b : buckets_) b.pending = b.members.size();
  nextBucket_ = 0;
  waits_.clear();
  inStep_ = true;
}

void GradientSync::onGradient(size_t param, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!inStep_ || param >= params_.size()) return;
  if (arrived_[param]) throw std::logic_error("data parallel: a parameter's gradient arrived twice in one step");
  arrived_[param] = 1;
  auto& bucket = buckets_[bucketOf_[param]];
  const auto slot = slotOf_[param];
  bucket.flat.narrow(0, bucket.offsets[slot], grad.numel()).copy_(grad.reshape(-1));
  if (--bucket.pending == 0) startReadyBuckets();
}

void GradientSync::startReadyBuckets() {
  while (nextBucket_ < buckets_.size() && buckets_[nextBucket_].pending == 0) {
    waits_.push_back(group_->startAllreduce(buckets_[nextBucket_++].flat, "gradient all-reduce"));
  }
}

void GradientSync::onGradientsReady(Session& session, StepSums& sums) {
  const auto began = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  inStep_ = false;
  // Buckets whose gradients did not all arrive through hooks (an empty slice of the batch, or a
  // parameter outside the graph) are filled now: zeros where there is no gradient.
  for (size_t b = nextBucket_; b < buckets_.size(); ++b) {
    auto& bucket = buckets_[b];
    for (size_t s = 0; s < bucket.members.size(); ++s) {
      if (arrived_[bucket.members[s]]) continue;
      const auto& p = params_[bucket.members[s]];
      auto slot = bucket.flat.narrow(0, bucket.offsets[s], p.numel());
      if (p.grad().defined()) slot.copy_(p.grad().reshape(-1));
      else slot.zero_();
    }
    bucket.pending = 0;
  }
  startReadyBuckets();
  // The loop's own sums (loss, metric, stop requests) travel last, in double precision.
  std::vector<double> values{sums.loss, sums.stopRequested ? 1.0 : 0.0};
  values.insert(values.end(), sums.metrics.begin(), sums.metrics.end());
  auto tail = torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64));
  waits_.push_back(group_->startAllreduce(tail, "gradient all-reduce"));
  auto waits = std::move(waits_);
  lock.unlock();
  for (auto& wait : waits) wait();
  for (auto& bucket : buckets_) {
    for (size_t s = 0; s < bucket.members.size(); ++s) {
      auto& p = params_[bucket.members[s]];
      auto summed = bucket.flat.narrow(0, bucket.offsets[s], p.numel()).view(p.sizes());
      if (p.grad().defined()) p.mutable_grad().copy_(summed);
      else p.mutable_grad() = summed.clone(p.suggest_memory_format());
    }
    bytes_ += bucket.flat.numel() * 4;
  }
  const auto* t = tail.data_ptr<double>();
  sums.loss = t[0];
  sums.stopRequested = t[1] > 0;
  for (size_t m = 0; m < sums.metrics.size(); ++m) sums.metrics[m] = t[2 + m];
  ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
}

}  // namespace layerout
