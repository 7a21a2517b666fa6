#include "cpu_cache.h"

#include "../env_switch.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

// libtorch 2.3 made Allocator::allocate non-const (and copy_data pure virtual).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define LAYEROUT_ALLOCATE_CONST
#else
#define LAYEROUT_ALLOCATE_CONST const
#endif

namespace layerout {
namespace {

// Smaller blocks come from malloc's own free lists without page faults.
constexpr std::size_t kMinCached = 64 << 10;
constexpr std::size_t kPage = 4096;

// The memory this process may use: the machine's, or less where a cgroup (a container) says so.
std::size_t usableMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  std::size_t memory = pages > 0 && pageSize > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(pageSize) : 0;
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream file(path);
    std::string text;
    if (!(file >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) continue;  // "max"
    const auto limit = static_cast<std::size_t>(std::stoull(text));
    if (limit > 0 && (memory == 0 || limit < memory)) memory = limit;
  }
  return memory;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // At most a quarter of the usable memory sits unused in the cache.
  CachingCpuAllocator() : limit_(std::max<std::size_t>(usableMemory() / 4, 64u << 20)) {}

  c10::DataPtr allocate(std::size_t bytes) LAYEROUT_ALLOCATE_CONST override {
    if (bytes < kMinCached || bytes > SIZE_MAX - kPage) {  // the second: rounding would overflow; malloc refuses it
      void* data = c10::alloc_cpu(bytes);
      return {data, data, &freeBlock, c10::Device(c10::DeviceType::CPU)};
    }
    const std::size_t size = (bytes + kPage - 1) / kPage * kPage;
    void* data = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (enabled_ && it != free_.end()) {
        data = it->second.back().data;
        it->second.pop_back();
        if (it->second.empty()) free_.erase(it);
        cached_ -= size;
        ++hits_;
        live_[data] = size;
      } else {
        ++misses_;
      }
    }
    if (data) return {data, data, &freeBlock, c10::Device(c10::DeviceType::CPU)};
    try {
      data = c10::alloc_cpu(size);
    } catch (const c10::Error&) {
      release();  // blocks freed by another thread meanwhile; then one more try
      data = c10::alloc_cpu(size);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_[data] = size;
    }
    return {data, data, &freeBlock, c10::Device(c10::DeviceType::CPU)};
  }

  // One deleter for every block: oneDNN frees raw allocations through it.
  c10::DeleterFnPtr raw_deleter() const override { return &freeBlock; }

  // Pure virtual in libtorch 2.3 and later (not marked override: 1.13 has no such member).
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

  void setEnabled(bool enabled) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      enabled_ = enabled;
    }
    if (!enabled) release();
  }

  // While idle, freed blocks go straight back to the system (a model dropped between jobs).
  void setIdle(bool idle) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_ = idle;
      if (idle) ++idleReleases_;
    }
    if (idle) release();
  }

  // Any task starts on the compute thread (a checkpoint, an agreement): caching resumes.
  void setBusy() {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_ = false;
  }

  // A job (an epoch, an evaluation, a prediction, timed steps) starts: blocks that waited unused
  // through the two previous jobs were for work of another shape (another batch size, a dropped
  // model) and go back. Two, not one, so that training epochs alternating with evaluations find
  // their blocks still there; small tasks in between (checkpoints) do not count. A repeating
  // step reuses every block it frees.
  void startJob() {
    std::vector<void*> stale;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_ = false;
      const std::uint64_t keepFrom = job_ > 0 ? job_ - 1 : 0;  // freed during the last two jobs (or in between)
      ++job_;
      for (auto it = free_.begin(); it != free_.end();) {
        auto& list = it->second;
        const auto old = std::stable_partition(list.begin(), list.end(), [&](const Block& b) { return b.job >= keepFrom; });
        for (auto b = old; b != list.end(); ++b) {
          stale.push_back(b->data);
          cached_ -= it->first;
        }
        list.erase(old, list.end());
        it = list.empty() ? free_.erase(it) : std::next(it);
      }
    }
    for (void* data : stale) c10::free_cpu(data);
  }

  void release() const {
    std::vector<void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      takeAll(blocks);
    }
    for (void* data : blocks) c10::free_cpu(data);
  }

  CpuCacheStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {enabled_, cached_, hits_, misses_, idleReleases_};
  }

  static CachingCpuAllocator& instance() {
    static auto* allocator = new CachingCpuAllocator();  // never destroyed: tensors may outlive statics
    return *allocator;
  }

 private:
  // Empties the cache into `out` (under the lock; the caller frees outside it).
  void takeAll(std::vector<void*>& out) const {
    for (auto& [size, list] : free_) {
      for (const auto& block : list) out.push_back(block.data);
    }
    free_.clear();
    cached_ = 0;
  }

  // Small blocks are not in live_ and go straight back to malloc.
  static void freeBlock(void* data) {
    auto& self = instance();
    bool keep = false;
    {
      std::lock_guard<std::mutex> lock(self.mutex_);
      auto it = self.live_.find(data);
      const std::size_t size = it == self.live_.end() ? 0 : it->second;
      if (it != self.live_.end()) self.live_.erase(it);
      if (size > 0 && self.enabled_ && !self.idle_ && self.cached_ + size <= self.limit_) {
        self.free_[size].push_back({data, self.job_});
        self.cached_ += size;
        keep = true;
      }
    }
    if (!keep) c10::free_cpu(data);
  }

  struct Block {
    void* data;
    std::uint64_t job;  // the job during which it was freed
  };

  const std::size_t limit_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::size_t, std::vector<Block>> free_;
  mutable std::unordered_map<void*, std::size_t> live_;
  mutable std::size_t cached_ = 0;
  mutable std::uint64_t hits_ = 0, misses_ = 0;
  std::uint64_t idleReleases_ = 0;
  bool enabled_ = true;
  bool idle_ = true;  // no job yet
  std::uint64_t job_ = 0;
};

}  // namespace

void installCpuCache() {
  static const bool installed = [] {
    if (switchedOff("LAYEROUT_CPU_CACHE")) return false;
    c10::SetCPUAllocator(&CachingCpuAllocator::instance(), /*priority=*/1);
    return true;
  }();
  (void)installed;
}

void setCpuCacheEnabled(bool enabled) { CachingCpuAllocator::instance().setEnabled(enabled); }

void setCpuCacheIdle() { CachingCpuAllocator::instance().setIdle(true); }

void cpuCacheTaskStarts() { CachingCpuAllocator::instance().setBusy(); }

void cpuCacheJobStarts() { CachingCpuAllocator::instance().startJob(); }

CpuCacheStats cpuCacheStats() {
  auto stats = CachingCpuAllocator::instance().stats();
  if (c10::GetCPUAllocator() != &CachingCpuAllocator::instance()) stats.enabled = false;
  return stats;
}

}  // namespace layerout
