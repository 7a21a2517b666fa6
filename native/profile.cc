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
  uint64_t start, end;
};

}  // namespace

OperatorProfiler::OperatorProfiler() {
  if (prof::profilerEnabled()) throw std::runtime_error("libtorch's profiler is already running");
  const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
  const std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
  prof::prepareProfiler(config, activities);
  prof::enableProfiler(config, activities);
  active_ = true;
}

OperatorProfiler::~OperatorProfiler() {
  if (active_) prof::disableProfiler();
}

std::vector<OperatorTime> OperatorProfiler::finish() {
  active_ = false;
  const auto result = prof::disableProfiler();
  // Per thread, events sorted by start (the longer first at a tie) nest like a call stack.
  std::map<uint64_t, std::vector<Span>> byThread;
  for (const auto& event : result->events()) {
    if (event.deviceType() != c10::DeviceType::CPU) continue;
    const uint64_t start = event.startUs();
    byThread[event.startThreadId()].push_back({&event, start, start + event.durationUs()});
  }
  std::unordered_map<std::string, OperatorTime> totals;
  for (auto& [thread, spans] : byThread) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.start != b.start ? a.start < b.start : a.end > b.end;
    });
    std::vector<double> selfUs(spans.size());
    std::vector<size_t> open;  // indices of the enclosing spans
    for (size_t i = 0; i < spans.size(); ++i) {
      while (!open.empty() && spans[open.back()].end <= spans[i].start) open.pop_back();
      selfUs[i] = static_cast<double>(spans[i].end - spans[i].start);
      if (!open.empty()) selfUs[open.back()] -= selfUs[i];  // the parent's own time excludes this child
      open.push_back(i);
    }
    for (size_t i = 0; i < spans.size(); ++i) {
      auto& total = totals[spans[i].event->name()];
      total.selfMs += std::max(0.0, selfUs[i]) / 1000.0;
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
