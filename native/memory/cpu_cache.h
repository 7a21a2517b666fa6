// A caching allocator for CPU tensors. A training step allocates the same large blocks every
// step (activations, gradients); glibc returns blocks that big to the kernel when they are
// freed, so every step page-faults them back in, each 4 KiB page zeroed by the kernel
// (1.6-2 us per page on the dev machine, thousands of pages per step). This keeps freed
// blocks of 64 KiB and more for reuse by the next step. They go back to the system when two
// whole jobs (epochs, evaluations) pass without using them, when the compute thread is
// idle, and before an allocation that failed is retried. It changes where tensors live, never
// what is computed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace layerout {

struct CpuCacheStats {
  bool enabled = false;
  std::size_t cachedBytes = 0;  // freed blocks held for reuse
  std::uint64_t hits = 0, misses = 0;
  std::uint64_t idleReleases = 0;  // times the compute thread idled and the cache was emptied
};

// Installs the allocator as libtorch's CPU allocator (once, at addon load) unless the
// environment says LAYEROUT_CPU_CACHE=0 (or false, off, no).
void installCpuCache();
// Turns reuse on or off at run time (benchmarks compare both in one process).
void setCpuCacheEnabled(bool enabled);
// The compute thread is idle: every cached block goes back, and blocks freed meanwhile are not kept.
void setCpuCacheIdle();
// The compute thread starts a task: caching resumes.
void cpuCacheTaskStarts();
// A job (epoch, evaluation, prediction, timed steps) starts: blocks unused through the two previous jobs go back.
void cpuCacheJobStarts();
CpuCacheStats cpuCacheStats();

}  // namespace layerout
