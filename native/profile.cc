#include "profile.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace layerout {
namespace {

namespace prof = torch::autograd::profiler;
namespace impl = torch::profiler::impl;

struct Span {
  const prof::KinetoEvent* event;
  uint64_t start, end, order;  // order: the correlation id, which a parent takes before its children
};

// Event times in nanoseconds: libtorch 2.x has startNs/durationNs, 1.13 only microseconds.
template <typename Event>
auto startNs(const Event& e, int) -> decltype(static_cast<uint64_t>(e.startNs())) {
  return static_cast<uint64_t>(e.startNs());
}
template <typename Event>
uint64_t startNs(const Event& e, long) {
  return static_cast<uint64_t>(e.startUs()) * 1000;
}
template <typename Event>
auto durationNs(const Event& e, int) -> decltype(static_cast<uint64_t>(e.durationNs())) {
  return static_cast<uint64_t>(e.durationNs());
}
template <typename Event>
uint64_t durationNs(const Event& e, long) {
  return static_cast<uint64_t>(e.durationUs()) * 1000;
}

bool isOptimizerScope(const std::string& name) { return name.rfind("Optimizer.step", 0) == 0; }

}  // namespace

OperatorProfiler::OperatorProfiler() {
  // enableProfiler refuses a second profiler on this thread with its own error.
  const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
  const std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
  prof::prepareProfiler(config, activities);
  prof::enableProfiler(config, activities);
  active_ = true;
}

OperatorProfiler::~OperatorProfiler() {
  if (!active_) return;
  try {
    prof::disableProfiler();
  } catch (...) {  // unwinding from a failed step already: that error is the one to report
  }
}

std::vector<OperatorTime> OperatorProfiler::finish() {
  active_ = false;
  const auto result = prof::disableProfiler();
  // Per thread, events sorted by start nest like a call stack.
  std::map<uint64_t, std::vector<Span>> byThread;
  for (const auto& event : result->events()) {
    if (event.deviceType() != c10::DeviceType::CPU) continue;
    const uint64_t start = startNs(event, 0);
    byThread[event.startThreadId()].push_back({&event, start, start + durationNs(event, 0), event.correlationId()});
  }
  std::unordered_map<std::string, OperatorTime> totals;
  for (auto& [thread, spans] : byThread) {
    // Microsecond times tie (a wrapper and the one operator it calls) and rounded ends may even
    // cross: at one start the earlier correlation id is the parent, whatever the ends say.
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      if (a.start != b.start) return a.start < b.start;
      if (a.order != b.order) return a.order < b.order;
      return a.end > b.end;
    });
    std::vector<double> selfNs(spans.size());
    std::vector<bool> inOptimizer(spans.size());
    std::vector<size_t> open;  // indices of the enclosing spans
    for (size_t i = 0; i < spans.size(); ++i) {
      while (!open.empty() && spans[open.back()].end <= spans[i].start) open.pop_back();
      selfNs[i] = static_cast<double>(spans[i].end - spans[i].start);
      if (!open.empty()) {
        selfNs[open.back()] -= selfNs[i];  // the parent's own time excludes this child
        inOptimizer[i] = inOptimizer[open.back()] || isOptimizerScope(spans[open.back()].event->name());
      }
      open.push_back(i);
    }
    for (size_t i = 0; i < spans.size(); ++i) {
      const auto name = spans[i].event->name();
      auto& total = totals[inOptimizer[i] ? "Optimizer.step > " + name : name];
      total.selfMs += std::max(0.0, selfNs[i]) / 1e6;  // (rounding of microsecond times in 1.13)
      total.calls += 1;
    }
  }
  std::vector<OperatorTime> out;
  out.reserve(totals.size());
  for (auto& [name, total] : totals) {
    total.name = name;
    out.push_back(total);
  }
  std::sort(out.begin(), out.end(), [](const OperatorTime& a, const OperatorTime& b) { return a.selfMs > b.selfMs; });
  return out;
}

}  // namespace layerout
