#include "sgd.h"

#include "../env_switch.h"
#include "sgd_kernel.h"

#include "../profile.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace layerout {

namespace {

std::atomic<bool> fusedAllowed{!switchedOff("LAYEROUT_FUSED_SGD")};

// A CPU float parameter whose gradient (and buffer) share its dense layout: element i of each
// is at the same offset, so the kernel can walk them as flat arrays.
bool fusable(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& buffer) {
  auto denseCpuFloat = [](const torch::Tensor& t) {
    return t.layout() == torch::kStrided && t.device().is_cpu() && t.scalar_type() == torch::kFloat;
  };
  // Strides of size-1 dimensions do not place any element (autograd's gradient layout ignores them).
  auto sameLayout = [&](const torch::Tensor& t) {
    if (!denseCpuFloat(t) || t.sizes() != p.sizes()) return false;
    for (int64_t d = 0; d < p.dim(); ++d) {
      if (p.size(d) > 1 && t.stride(d) != p.stride(d)) return false;
    }
    return true;
  };
  return denseCpuFloat(p) && p.is_non_overlapping_and_dense() && sameLayout(g) &&
         (!buffer.defined() || sameLayout(buffer));
}

}  // namespace

Sgd::Sgd(std::vector<torch::Tensor> params, std::vector<std::string> names)
    : Optimizer(std::move(params), std::move(names)), momentum_(params_.size()) {}

Sgd::Sgd(std::vector<torch::Tensor> params) : Sgd(params, std::vector<std::string>(params.size())) {}

torch::Tensor& Sgd::state(size_t i, const std::string& name) {
  if (name != kMomentum) throw std::invalid_argument("sgd keeps no state named '" + name + "'");
  return momentum_.at(i);
}

void Sgd::step(const OptimizerHyper& hyper) {
  const SgdSettings settings{hyper.get("lr"), hyper.get("momentum"), hyper.get("weightDecay"), hyper.get("dampening"),
                             hyper.get("nesterov") != 0};
  // The kernel knows the plain rule only.
  step(settings, settings.dampening == 0 && !settings.nesterov && fusedSgdActive());
}

void Sgd::step(const SgdSettings& hyper, bool fused) {
  RECORD_FUNCTION(kOptimizerScope, std::vector<c10::IValue>());
  torch::NoGradGuard noGrad;
  std::vector<size_t> rest;  // parameters the multi-tensor path updates
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& grad = params_[i].grad();
    if (!grad.defined()) continue;  // frozen: no decay, no momentum, no update
    if (fused && fusable(params_[i], grad, momentum_[i])) {
      stepFused(i, hyper);
    } else {
      rest.push_back(i);
    }
  }
  if (!rest.empty()) stepForeach(rest, hyper);
}

void Sgd::stepFused(size_t i, const SgdSettings& hyper) {
  auto& p = params_[i];
  const auto& g = p.grad();
  SgdKernelArgs args;
  args.param = p.data_ptr<float>();
  args.grad = g.data_ptr<float>();
  args.negLr = static_cast<float>(-hyper.lr);
  args.weightDecay = static_cast<float>(hyper.weightDecay);
  args.momentum = static_cast<float>(hyper.momentum);
  args.decay = hyper.weightDecay != 0;
  if (hyper.momentum != 0) {
    const bool fresh = !momentum_[i].defined();
    if (fresh) momentum_[i] = torch::empty_like(p, torch::MemoryFormat::Preserve);
    args.buffer = momentum_[i].data_ptr<float>();
    args.mode = fresh ? MomentumMode::Fresh : MomentumMode::Existing;
  }
  at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    auto part = args;
    part.begin = begin;
    part.end = end;
    sgdKernel(part);
  });
  // Written through raw pointers: bump the version counters as the in-place ops would, so that
  // autograd still notices a modified tensor that some graph saved.
  p.unsafeGetTensorImpl()->bump_version();
  if (momentum_[i].defined()) momentum_[i].unsafeGetTensorImpl()->bump_version();
}

// Multi-tensor (_foreach) kernels, as PyTorch's SGD(foreach=True) of libtorch 1.13: on CUDA one
// launch per operation instead of one per parameter. The reference the fused kernel is checked against.
void Sgd::stepForeach(const std::vector<size_t>& indices, const SgdSettings& hyper) {
  std::vector<torch::Tensor> params, grads;
  for (size_t i : indices) {
    params.push_back(params_[i]);
    grads.push_back(params_[i].grad());
  }
  auto updates = hyper.weightDecay != 0 ? at::_foreach_add(grads, params, hyper.weightDecay) : grads;
  const auto decayed = updates;  // the gradients with decay, before momentum replaces them
  if (hyper.momentum != 0) {
    std::vector<torch::Tensor> existing, existingUpdates;
    for (size_t j = 0; j < indices.size(); ++j) {
      auto& buffer = momentum_[indices[j]];
      if (!buffer.defined()) {
        buffer = updates[j].clone();  // first update: buffer = update
      } else {
        existing.push_back(buffer);
        existingUpdates.push_back(updates[j]);
      }
      updates[j] = buffer;
    }
    if (!existing.empty()) {
      at::_foreach_mul_(existing, hyper.momentum);
      at::_foreach_add_(existing, existingUpdates, 1 - hyper.dampening);
    }
    // Nesterov: the step is the update plus momentum times the new buffer.
    if (hyper.nesterov) updates = at::_foreach_add(decayed, updates, hyper.momentum);
  }
  at::_foreach_add_(params, updates, -hyper.lr);
}

void Sgd::resetState() {
  for (auto& buf : momentum_) buf = torch::Tensor();
}

// The fused kernel is used only after it has matched the multi-tensor path bit for bit on this
// machine and this libtorch (whose rounding depends on the ATen dispatch level): every momentum
// mode, with and without decay, lengths that exercise the vector body, the tail and threading.
namespace {
std::atomic<int> verifiedState{-1};  // -1 not checked yet, 0 mismatch, 1 matched
}

bool fusedSgdVerified() {
  static const bool verified = [] {
    if (!sgdKernelSupported()) return false;
    torch::NoGradGuard noGrad;
    const std::vector<SgdSettings> settings{{0.05, 0.9, 5e-4}, {0.1, 0.0, 5e-4}, {0.01, 0.9, 0.0}, {0.3, 0.5, 1e-2}};
    for (const auto& hyper : settings) {
      std::vector<torch::Tensor> a, b;
      int64_t seed = 1;
      for (int64_t n : {1, 7, 8, 9, 31, 1027, 70001}) {
        auto p = torch::sin(torch::arange(n, torch::kFloat) * 0.37 + static_cast<double>(seed++));
        a.push_back(p.clone());
        b.push_back(p.clone());
      }
      Sgd reference(a), candidate(b);
      for (int step = 0; step < 3; ++step) {
        for (size_t k = 0; k < a.size(); ++k) {
          // One parameter frozen at the first step: its buffer is made fresh at the second.
          if (step == 0 && k == 2) continue;
          auto g = torch::cos(torch::arange(a[k].numel(), torch::kFloat) * (0.11 + step) + static_cast<double>(k)) * 0.5;
          a[k].mutable_grad() = g.clone();
          b[k].mutable_grad() = g.clone();
        }
        reference.step(hyper, false);
        candidate.step(hyper, true);
        reference.clearGrads();
        candidate.clearGrads();
      }
      for (size_t k = 0; k < a.size(); ++k) {
        auto same = [](const torch::Tensor& x, const torch::Tensor& y) {
          return x.defined() == y.defined() && (!x.defined() || std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0);
        };
        if (!same(a[k], b[k]) || !same(reference.momentum()[k], candidate.momentum()[k])) return false;
      }
    }
    return true;
  }();
  verifiedState.store(verified ? 1 : 0);
  return verified;
}

std::string fusedSgdState() {
  if (!sgdKernelSupported()) return "unsupported";
  if (!fusedAllowed.load()) return "off";
  const int state = verifiedState.load();
  return state < 0 ? "unchecked" : state == 1 ? "on" : "mismatch";
}

void setFusedSgdAllowed(bool allowed) { fusedAllowed.store(allowed); }

bool fusedSgdActive() { return fusedAllowed.load() && fusedSgdVerified(); }

}  // namespace layerout
