// The epoch loop, evaluation, prediction and step timing. Pure C++: runs on the compute thread
// (compute_thread.h), never touches JS.
#pragma once

#include "session.h"
#include "profile.h"

#include <functional>

namespace layerout {

// What a batch whose loss is NaN or infinite does (checked after forward, before any update).
enum class NonFinite { Stop, SkipBatch, Continue };

struct EpochOptions {
  int64_t epoch = 0;
  uint64_t seed = 0;
  int64_t batchSize = 128;
  int64_t threads = 0;       // 0: leave libtorch's default
  int64_t progressEvery = 10;
  OptimizerHyper hyper;
  AugmentOptions augment;
  NonFinite onNonFinite = NonFinite::Stop;
  // Per-batch freezing: when not empty, mask b is applied before batch b (one per batch); the
  // session's epoch mask is put back afterwards. Empty: the session's mask for the whole epoch.
  std::vector<std::vector<bool>> batchMasks;
  // The caller's stop request came before the epoch: it stops at its first batch (data parallel:
  // together with the other ranks, through that batch's sums).
  bool startAborted = false;
  // Gradient clipping: the global 2-norm over every gradient of the step is scaled down to at
  // most this (torch.nn.utils.clip_grad_norm_), after a data-parallel all-reduce. 0: off.
  double clipGradNorm = 0;
  // Per-step learning rates (warm-up, per-step schedules): when not empty, one per batch,
  // replacing hyper's lr for that batch's update.
  std::vector<double> stepLrs;
};

struct EpochResult {
  double trainLoss = 0, trainAcc = 0;  // trainAcc: the first metric (accuracy for classification)
  std::vector<double> trainMetrics;    // the objective's metric sums per sample (Objective::metricSums)
  double dataMs = 0, forwardMs = 0, backwardMs = 0, optimizerMs = 0, epochMs = 0;
  int64_t batches = 0, samples = 0;
  bool aborted = false;
  // Stop: the epoch ended at this batch (0-based) with this loss, before updating anything.
  bool stoppedNonFinite = false;
  int64_t nonFiniteBatch = -1;
  double nonFiniteLoss = 0;
  int64_t skippedBatches = 0;  // SkipBatch: batches left out of the update and the averages
  // clipGradNorm: the largest global gradient norm seen before clipping, and the steps clipped.
  double maxGradNorm = 0;
  int64_t clippedSteps = 0;
  // Data parallel: gradient bytes this rank all-reduced, and the time it spent doing so.
  int64_t allreducedBytes = 0;
  double allreduceMs = 0;
};

struct Progress {
  int64_t batch = 0, batches = 0;
  double loss = 0, acc = 0;
};

struct EvalResult {
  double loss = 0, acc = 0, ms = 0;
  std::vector<double> metrics;  // the objective's metric sums per sample
  int64_t samples = 0;
};

using ProgressFn = std::function<void(const Progress&)>;

// Trains one epoch over session.trainSet, shuffled by a generator seeded from (seed, epoch).
EpochResult trainEpoch(Session& session, const EpochOptions& options, const ProgressFn& onProgress);

// Evaluates on session.testSet (or, with `validation`, session.valSet) in eval mode with no
// autograd, then restores the training mode.
EvalResult evaluate(Session& session, int64_t batchSize, int64_t threads, const AugmentOptions& augment, bool validation = false);

struct StepTimes {
  std::vector<double> forwardMs, backwardMs, optimizerMs;
  std::vector<OperatorTime> operators;  // summed over the steps; only when profiled
};

// Times `steps` training steps on one fixed batch (the first `batchSize` training samples,
// test-time transform) under the current mask: the benchmark's unit of measurement.
// With `profile`, libtorch's profiler also records every operator's self time over the steps.
StepTimes timeSteps(Session& session, int64_t steps, int64_t batchSize, int64_t threads, const AugmentOptions& augment,
                    const OptimizerHyper& hyper, bool profile = false);

// Logits [N, classes] (float32, CPU) for CPU images [N, C, H, W]: uint8 pixels get the test-time
// transform (centred, normalised), float32 values are only centred. Eval mode, in batches.
torch::Tensor predict(Session& session, const torch::Tensor& images, int64_t batchSize, int64_t threads,
                      const AugmentOptions& augment);

// The same seed derivation the epoch loop uses, so tests can reproduce a batch.
uint64_t epochSeed(uint64_t seed, int64_t epoch);

}  // namespace layerout
