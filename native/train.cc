#include "train.h"

#include "device.h"
#include "step.h"

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
struct StepResult {
  torch::Tensor logits, loss;
  double forwardMs = 0, backwardMs = 0, optimizerMs = 0;
  double lossValue = 0;  // read only when the loss is checked
  bool skipped = false;  // the loss was not finite: no backward, no update
};

// One training step on a prepared batch (step.h's phases). Phase timings continue from the
// caller's clock `t` and are device-synchronised; the gradients-ready hook counts as backward.
// With `checkLoss`, a non-finite loss ends the step after forward (`skipped`), before any update.
StepResult trainStep(Session& session, const torch::Tensor& x, const torch::Tensor& y, const SgdHyper& hyper,
                     Clock::time_point& t, bool checkLoss = false) {
  StepResult step;
  auto forward = forwardLoss(session, x, y);
  step.logits = forward.logits;
  step.loss = forward.loss;
  step.forwardMs = lap(t, session.device);
  if (checkLoss) {
    step.lossValue = forward.loss.item<double>();
    if (!std::isfinite(step.lossValue)) {
      step.skipped = true;
      return step;
    }
  }
  backward(forward);
  gradientsReady(session);
  step.backwardMs = lap(t, session.device);
  update(session, hyper);
  step.optimizerMs = lap(t, session.device);
  return step;
}

// Eval mode and no autograd for its lifetime; the session's training mode comes back however
// the scope ends (evaluation and prediction).
struct Inference {
  explicit Inference(Session& s) : session(s) { session.net->eval(); }
  ~Inference() { setTrainingMode(*session.net, session.mask, session.bnMode); }
  Session& session;
  torch::NoGradGuard noGrad;
};

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
  useThreads(options.threads);
  auto& net = *session.net;
  const auto& data = requireData(session.trainSet, "training");
  const auto device = session.device;

  BatchMaker maker(net.inputShape(), options.augment, device);
  auto gen = makeGenerator(epochSeed(options.seed, options.epoch));
  auto order = torch::randperm(data.size(), gen, torch::TensorOptions().dtype(torch::kInt64)).to(device);
  setTrainingMode(net, session.mask, session.bnMode);
  session.sgd->clearGrads();

  EpochResult result;
  const int64_t n = data.size();
  result.batches = (n + options.batchSize - 1) / options.batchSize;
  const bool perBatch = !options.batchMasks.empty();
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
        applyFreeze(*session.net, session.mask, session.bnMode);
        setTrainingMode(*session.net, session.mask, session.bnMode);
      } catch (...) {
        // the session's mask was valid when it was set; nothing to report from a destructor
      }
    }
  } restoreMask{session, perBatch};
  auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  const auto epochStart = Clock::now();

  for (int64_t b = 0; b < result.batches; ++b) {
    if (session.abortRequested.load()) {
      result.aborted = true;
      result.batches = b;
      break;
    }
    if (perBatch) {
      applyFreeze(net, options.batchMasks[static_cast<size_t>(b)], session.bnMode);
      setTrainingMode(net, options.batchMasks[static_cast<size_t>(b)], session.bnMode);
    }
    auto t = Clock::now();
    auto idx = order.slice(0, b * options.batchSize, std::min(n, (b + 1) * options.batchSize));
    auto x = maker.train(data.images.index_select(0, idx), gen);
    auto y = data.labels.index_select(0, idx);
    result.dataMs += lap(t, device);

    auto step = trainStep(session, x, y, options.hyper, t, options.onNonFinite != NonFinite::Continue);
    result.forwardMs += step.forwardMs;
    if (step.skipped && options.onNonFinite == NonFinite::Stop) {
      result.stoppedNonFinite = true;
      result.nonFiniteBatch = b;
      result.nonFiniteLoss = step.lossValue;
      result.batches = b;
      break;
    }
    if (step.skipped) {
      ++result.skippedBatches;
      continue;
    }
    result.backwardMs += step.backwardMs;
    result.optimizerMs += step.optimizerMs;
    {
      torch::NoGradGuard noGrad;
      lossSum += step.loss.detach().to(torch::kFloat64) * static_cast<double>(idx.size(0));
      correct += (step.logits.argmax(1) == y).sum();
    }
    result.samples += idx.size(0);
    if (onProgress && ((b + 1) % options.progressEvery == 0 || b + 1 == result.batches)) {
      Progress p{b + 1, result.batches, lossSum.item<double>() / result.samples,
                 static_cast<double>(correct.item<int64_t>()) / result.samples};
      onProgress(p);
    }
  }
  synchronize(device);
  result.epochMs = std::chrono::duration<double, std::milli>(Clock::now() - epochStart).count();
  if (result.samples > 0) {
    result.trainLoss = lossSum.item<double>() / result.samples;
    result.trainAcc = static_cast<double>(correct.item<int64_t>()) / result.samples;
  }
  return result;
}

StepTimes timeSteps(Session& session, int64_t steps, int64_t batchSize, int64_t threads, const AugmentOptions& augment) {
  useThreads(threads);
  auto& net = *session.net;
  const auto& data = requireData(session.trainSet, "training");
  const auto device = session.device;
  BatchMaker maker(net.inputShape(), augment, device);
  const int64_t n = std::min(batchSize, data.size());
  auto x = maker.test(data.images.slice(0, 0, n));
  auto y = data.labels.slice(0, 0, n);
  setTrainingMode(net, session.mask, session.bnMode);
  session.sgd->clearGrads();
  SgdHyper hyper;  // the paper's settings; only the cost of the update matters here
  StepTimes times;
  for (int64_t s = 0; s < steps; ++s) {
    synchronize(device);
    auto t = Clock::now();
    auto step = trainStep(session, x, y, hyper, t);
    times.forwardMs.push_back(step.forwardMs);
    times.backwardMs.push_back(step.backwardMs);
    times.optimizerMs.push_back(step.optimizerMs);
  }
  return times;
}

EvalResult evaluate(Session& session, int64_t batchSize, int64_t threads, const AugmentOptions& augment) {
  useThreads(threads);
  auto& net = *session.net;
  const auto& data = requireData(session.testSet, "test");
  BatchMaker maker(net.inputShape(), augment, session.device);
  Inference inference(session);
  const auto start = Clock::now();
  double lossSum = 0;
  int64_t correct = 0;
  const int64_t n = data.size();
  for (int64_t from = 0; from < n; from += batchSize) {
    const int64_t to = std::min(n, from + batchSize);
    auto x = maker.test(data.images.slice(0, from, to));
    auto y = data.labels.slice(0, from, to);
    auto logits = net.forward(session.input(x));
    lossSum += torch::nn::functional::cross_entropy(logits, y,
                                                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .item<double>();
    correct += (logits.argmax(1) == y).sum().item<int64_t>();
  }
  EvalResult result;
  result.samples = n;
  result.loss = lossSum / n;
  result.acc = static_cast<double>(correct) / n;
  result.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

torch::Tensor predict(Session& session, const torch::Tensor& images, int64_t batchSize, int64_t threads,
                      const AugmentOptions& augment) {
  useThreads(threads);
  auto& net = *session.net;
  BatchMaker maker(net.inputShape(), augment, session.device);
  Inference inference(session);
  std::vector<torch::Tensor> parts;
  const int64_t n = images.size(0);
  for (int64_t from = 0; from < n; from += batchSize) {
    auto batch = images.slice(0, from, std::min(n, from + batchSize)).to(session.device);
    parts.push_back(net.forward(session.input(maker.test(batch))).to(torch::kCPU, torch::kFloat32));
  }
  return torch::cat(parts).contiguous();
}

}  // namespace layerout
