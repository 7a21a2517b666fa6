#include "compute_thread.h"

#include "memory/cpu_cache.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace layerout {

namespace {

// Jobs that follow each other closely (a benchmark's steps, consecutive epochs) reuse cached CPU
// memory (cpu_cache.h: blocks two whole jobs leave unused go back); after this long with nothing
// to do it is released.
constexpr auto kIdleRelease = std::chrono::seconds(1);

class ComputeThread {
 public:
  ComputeThread() { std::thread([this] { loop(); }).detach(); }  // lives as long as the process

  void run(const std::function<void()>& job) {
    std::packaged_task<void()> task(job);
    auto done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    done.get();  // rethrows the job's exception
  }

 private:
  void loop() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        const auto pending = [this] { return !queue_.empty(); };
        if (!ready_.wait_for(lock, kIdleRelease, pending)) {
          // Idle: cached tensor memory goes back to the system until the next job.
          lock.unlock();
          setCpuCacheIdle();
          lock.lock();
          ready_.wait(lock, pending);
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      cpuCacheTaskStarts();
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<void()>> queue_;
};

}  // namespace

void runOnComputeThread(const std::function<void()>& job) {
  static auto* thread = new ComputeThread();  // never destroyed: the thread is detached
  thread->run(job);
}

}  // namespace layerout
