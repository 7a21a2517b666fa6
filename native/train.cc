#include "train.h"

#include "device.h"
#include "dist/grad_sync.h"
#include "memory/cpu_cache.h"
#include "optim/sgd.h"
#include "step.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace layerout {

namespace {
using Clock = std::chrono::steady_clock;

// Milliseconds since `start`, after the device has finished the queued work.
double lap(Clock::time_point& start, const torch::Device& device) {
  synchronize(device);
  auto now = Clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - start).count();
  start = now;
  return ms;
}
// One step up to (not including) the update: what the loop needs to decide and record it.
struct StepResult {
  double forwardMs = 0, backwardMs = 0;
  torch::Tensor lossSum, metrics;  // the batch's summed loss (float64) and metric sums (float64 [K])
  double loss = 0;                 // the batch's mean loss, where it was read
  bool finite = true;              // false: the loss was not finite (nothing may be applied)
  bool stop = false;               // data parallel: some rank asked to stop
};

// Forward, then backward and the gradients-ready hook (step.h's phases) on one process's
// batch. Phase timings continue from the caller's clock `t` and are device-synchronised; the
// hook counts as backward. With `checkLoss`, a non-finite loss ends the step after forward.
// With `withSums`, the batch's loss and metric sums are kept for the epoch's averages.
StepResult localStep(Session& session, const torch::Tensor& x, const torch::Tensor& y, Clock::time_point& t,
                     bool checkLoss, bool withSums) {
  StepResult step;
  auto forward = forwardLoss(session, x, y);
  if (withSums) {
    torch::NoGradGuard noGrad;
    step.lossSum = forward.loss.detach().to(torch::kFloat64) * static_cast<double>(x.size(0));
    step.metrics = session.objective->metricSums(forward.output, y);
  }
  step.forwardMs = lap(t, session.device);
  if (checkLoss) {
    step.loss = forward.loss.item<double>();
    step.finite = std::isfinite(step.loss);
    if (!step.finite) return step;
  }
  backward(session, forward.loss);
  StepSums sums;  // one process: nothing to sum
  gradientsReady(session, sums);
  step.backwardMs = lap(t, session.device);
  return step;
}

// Rows [from, to) of a batch of `count` that `rank` of `world` takes: near-equal contiguous slices.
std::pair<int64_t, int64_t> shard(int64_t count, int64_t rank, int64_t world) {
  return {count * rank / world, count * (rank + 1) / world};
}

// Forward and backward on this rank's slice of a global batch of `globalCount`, then the
// gradients-ready hook sums the gradients, the loss, the metric sums and the stop requests
// over the ranks. The loss is the slice's sum over the global count, so the summed gradient is
// the global batch's mean gradient, as in one process. The sums are the global batch's.
StepResult dataParallelStep(Session& session, const torch::Tensor& x, const torch::Tensor& y, int64_t globalCount,
                            Clock::time_point& t) {
  StepResult step;
  StepSums sums;
  sums.stopRequested = session.abortRequested.load();
  sums.metrics.assign(static_cast<size_t>(session.objective->metricCount()), 0.0);
  torch::Tensor loss;
  if (x.size(0) > 0) {
    auto output = session.forward(x);
    auto lossSum = session.objective->summedLoss(output, y);
    loss = lossSum / static_cast<double>(globalCount);
    torch::NoGradGuard noGrad;
    sums.loss = lossSum.item<double>();
    auto metrics = session.objective->metricSums(output, y).to(torch::kCPU);
    for (size_t m = 0; m < sums.metrics.size(); ++m) sums.metrics[m] = metrics[static_cast<int64_t>(m)].item<double>();
  }
  step.forwardMs = lap(t, session.device);
  backward(session, loss);  // an empty slice has no loss: its rank still takes part, sending zeros
  gradientsReady(session, sums);
  step.backwardMs = lap(t, session.device);
  step.lossSum = torch::scalar_tensor(sums.loss, torch::kFloat64);
  step.metrics = torch::tensor(sums.metrics, torch::kFloat64);
  step.loss = sums.loss / static_cast<double>(globalCount);
  step.finite = std::isfinite(step.loss);
  step.stop = sums.stopRequested;
  return step;
}

// Eval mode and no autograd for its lifetime; the session's training mode comes back however
// the scope ends (evaluation and prediction).
struct Inference {
  explicit Inference(Session& s) : session(s) { session.net->eval(); }
  ~Inference() { setTrainingMode(*session.net, session.mask, session.bn); }
  Session& session;
  torch::NoGradGuard noGrad;
};

// Every epoch, evaluation, prediction and timed-steps run starts here: its thread count, and a
// new generation for the CPU cache (cpu_cache.h: blocks two whole jobs leave unused go back).
void beginJob(int64_t threads) {
  useThreads(threads);
  cpuCacheJobStarts();
}

const Dataset& requireData(const Dataset& data, const char* split) {
  if (data.size() == 0) throw std::runtime_error(std::string("no ") + split + " data has been set");
  return data;
}
}  // namespace

uint64_t epochSeed(uint64_t seed, int64_t epoch) {
  // splitmix64 step: distinct, well-mixed streams per epoch.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(epoch + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

EpochResult trainEpoch(Session& session, const EpochOptions& options, const ProgressFn& onProgress) {
  beginJob(options.threads);
  fusedSgdVerified();  // the once-per-process check, before any batch is timed
  auto& net = *session.net;
  const auto& data = requireData(session.trainSet, "training");
  const auto device = session.device;

  BatchMaker maker(net.inputShape(), options.augment, device);
  auto gen = makeGenerator(epochSeed(options.seed, options.epoch));
  auto order = torch::randperm(data.size(), gen, torch::TensorOptions().dtype(torch::kInt64)).to(device);
  setTrainingMode(net, session.mask, session.bn);
  session.optimizer->clearGrads();

  EpochResult result;
  const int64_t n = data.size();
  result.batches = (n + options.batchSize - 1) / options.batchSize;
  const bool perBatch = !options.batchMasks.empty();
  if (!options.stepLrs.empty() && static_cast<int64_t>(options.stepLrs.size()) != result.batches) {
    throw std::invalid_argument("stepLrs has " + std::to_string(options.stepLrs.size()) + " rates but the epoch has " +
                                std::to_string(result.batches) + " batches");
  }
  if (perBatch && static_cast<int64_t>(options.batchMasks.size()) != result.batches) {
    throw std::invalid_argument("batchMasks has " + std::to_string(options.batchMasks.size()) + " masks but the epoch has " +
                                std::to_string(result.batches) + " batches");
  }
  // Puts the epoch's own mask back however the loop ends.
  struct RestoreMask {
    Session& session;
    bool active;
    ~RestoreMask() {
      if (!active) return;
      try {
        applyFreeze(*session.net, session.mask, session.bn);
        setTrainingMode(*session.net, session.mask, session.bn);
      } catch (...) {
        // the session's mask was valid when it was set; nothing to report from a destructor
      }
    }
  } restoreMask{session, perBatch};
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto metricSums = torch::zeros({session.objective->metricCount()}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  const auto epochStart = Clock::now();
  // Data parallel: every rank draws the whole global batch (order and augmentation) from the
  // same seed and trains on its slice; a stop request is shared through the step's sums.
  const auto* group = session.group.get();
  if (session.gradientSync) session.gradientSync->resetCounters();

  for (int64_t b = 0; b < result.batches; ++b) {
    if (!group && session.abortRequested.load()) {
      result.aborted = true;
      result.batches = b;
      break;
    }
    if (perBatch) {
      applyFreeze(net, options.batchMasks[static_cast<size_t>(b)], session.bn);
      setTrainingMode(net, options.batchMasks[static_cast<size_t>(b)], session.bn);
    }
    auto t = Clock::now();
    auto idx = order.slice(0, b * options.batchSize, std::min(n, (b + 1) * options.batchSize));
    auto x = maker.train(data.images.index_select(0, idx), gen);
    auto y = data.labels.index_select(0, idx);
    if (group) {
      const auto [from, to] = shard(idx.size(0), group->rank(), group->world());
      x = x.slice(0, from, to);
      y = y.slice(0, from, to);
    }
    result.dataMs += lap(t, device);

    auto step = group ? dataParallelStep(session, x, y, idx.size(0), t)
                      : localStep(session, x, y, t, options.onNonFinite != NonFinite::Continue, true);
    result.forwardMs += step.forwardMs;
    result.backwardMs += step.backwardMs;
    const bool apply = step.finite || options.onNonFinite == NonFinite::Continue;
    if (step.stop || !apply) session.optimizer->clearGrads();
    if (step.stop) {
      result.aborted = true;
      result.batches = b;
      break;
    }
    if (!apply && options.onNonFinite == NonFinite::Stop) {
      result.stoppedNonFinite = true;
      result.nonFiniteBatch = b;
      result.nonFiniteLoss = step.loss;
      result.batches = b;
      break;
    }
    if (!apply) {
      ++result.skippedBatches;
      continue;
    }
    if (options.clipGradNorm > 0) {
      const double norm = clipGradNorm(session, options.clipGradNorm);
      result.maxGradNorm = std::max(result.maxGradNorm, norm);
      if (norm > options.clipGradNorm) ++result.clippedSteps;
    }
    if (options.stepLrs.empty()) {
      update(session, options.hyper);
    } else {
      auto hyper = options.hyper;
      hyper.set("lr", options.stepLrs.at(static_cast<size_t>(b)));
      update(session, hyper);
    }
    result.optimizerMs += lap(t, device);
    lossSum += step.lossSum;
    metricSums += step.metrics.to(device);
    result.samples += idx.size(0);
    if (onProgress && ((b + 1) % options.progressEvery == 0 || b + 1 == result.batches)) {
      onProgress(Progress{b + 1, result.batches, lossSum.item<double>() / result.samples,
                          metricSums[0].item<double>() / result.samples});
    }
  }
  if (group && !result.aborted && !result.stoppedNonFinite) {
    // BatchNorm running statistics saw only each rank's slices: rank 0's go to every rank, so
    // every rank holds the same model (and rank 0 writes the checkpoint).
    std::vector<torch::Tensor> buffers;
    for (const auto& buffer : net.buffers()) {
      if (buffer.is_floating_point()) buffers.push_back(buffer);
    }
    if (!buffers.empty()) session.group->broadcast(buffers, "BatchNorm statistics broadcast");
  }
  if (session.gradientSync) {
    result.allreducedBytes = session.gradientSync->bytes();
    result.allreduceMs = session.gradientSync->ms();
  }
  synchronize(device);
  result.epochMs = std::chrono::duration<double, std::milli>(Clock::now() - epochStart).count();
  if (result.samples > 0) {
    result.trainLoss = lossSum.item<double>() / result.samples;
    auto perSample = (metricSums / static_cast<double>(result.samples)).to(torch::kCPU);
    result.trainMetrics.assign(perSample.data_ptr<double>(), perSample.data_ptr<double>() + perSample.numel());
    result.trainAcc = result.trainMetrics[0];
  }
  return result;
}

StepTimes timeSteps(Session& session, int64_t steps, int64_t batchSize, int64_t threads, const AugmentOptions& augment,
                    const OptimizerHyper& hyper, bool profile) {
  beginJob(threads);
  fusedSgdVerified();  // the once-per-process check, outside the timed and profiled steps
  auto& net = *session.net;
  const auto& data = requireData(session.trainSet, "training");
  const auto device = session.device;
  BatchMaker maker(net.inputShape(), augment, device);
  const int64_t n = std::min(batchSize, data.size());
  auto x = maker.test(data.images.slice(0, 0, n));
  auto y = data.labels.slice(0, 0, n);
  setTrainingMode(net, session.mask, session.bn);
  session.optimizer->clearGrads();
  StepTimes times;
  std::unique_ptr<OperatorProfiler> profiler;
  if (profile) profiler = std::make_unique<OperatorProfiler>();
  for (int64_t s = 0; s < steps; ++s) {
    synchronize(device);
    auto t = Clock::now();
    auto step = localStep(session, x, y, t, false, false);
    update(session, hyper);
    times.forwardMs.push_back(step.forwardMs);
    times.backwardMs.push_back(step.backwardMs);
    times.optimizerMs.push_back(lap(t, device));
  }
  if (profiler) times.operators = profiler->finish();
  return times;
}

EvalResult evaluate(Session& session, int64_t batchSize, int64_t threads, const AugmentOptions& augment, bool validation) {
  beginJob(threads);
  auto& net = *session.net;
  const auto& data = validation ? requireData(session.valSet, "validation") : requireData(session.testSet, "test");
  BatchMaker maker(net.inputShape(), augment, session.device);
  Inference inference(session);
  const auto start = Clock::now();
  double lossSum = 0;
  auto metricSums = torch::zeros({session.objective->metricCount()}, torch::kFloat64);
  const int64_t n = data.size();
  // Data parallel: each rank evaluates its slice of the test set and the sums are shared.
  const auto [first, last] = session.group ? shard(n, session.group->rank(), session.group->world())
                                           : std::pair<int64_t, int64_t>{0, n};
  for (int64_t from = first; from < last; from += batchSize) {
    const int64_t to = std::min(last, from + batchSize);
    auto x = maker.test(data.images.slice(0, from, to));
    auto y = data.labels.slice(0, from, to);
    auto output = session.forward(x);
    lossSum += session.objective->summedLoss(output, y).item<double>();
    metricSums += session.objective->metricSums(output, y).to(torch::kCPU);
  }
  if (session.group) {
    std::vector<torch::Tensor> sums{torch::cat({torch::tensor({lossSum}, torch::kFloat64), metricSums})};
    session.group->allreduceSum(sums, "evaluation sums");
    lossSum = sums[0][0].item<double>();
    metricSums = sums[0].slice(0, 1);
  }
  EvalResult result;
  result.samples = n;
  result.loss = lossSum / n;
  auto perSample = (metricSums / static_cast<double>(n)).contiguous();
  result.metrics.assign(perSample.data_ptr<double>(), perSample.data_ptr<double>() + perSample.numel());
  result.acc = result.metrics[0];
  result.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

torch::Tensor predict(Session& session, const torch::Tensor& images, int64_t batchSize, int64_t threads,
                      const AugmentOptions& augment) {
  beginJob(threads);
  auto& net = *session.net;
  BatchMaker maker(net.inputShape(), augment, session.device);
  Inference inference(session);
  std::vector<torch::Tensor> parts;
  const int64_t n = images.size(0);
  for (int64_t from = 0; from < n; from += batchSize) {
    auto batch = images.slice(0, from, std::min(n, from + batchSize)).to(session.device);
    parts.push_back(session.forward(maker.test(batch)).to(torch::kCPU));
  }
  return torch::cat(parts).contiguous();
}

}  // namespace layerout
