// The Gloo implementation of Group (compiled when c10d's Gloo headers are present).
#ifdef LAYEROUT_WITH_C10D
#include "group.h"

#include "../errors.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <thread>

namespace layerout {

bool c10dAvailable() { return true; }

namespace {

class GlooGroup : public Group {
 public:
  explicit GlooGroup(const GroupOptions& options) : options_(options) {
    const auto where = options.storePath.empty()
                           ? "the store at " + options.masterHost + ":" + std::to_string(options.masterPort)
                           : "the file store " + options.storePath;
    try {
      if (!options.storePath.empty()) {
        baseStore_ = c10::make_intrusive<c10d::FileStore>(options.storePath, static_cast<int>(options.world));
      } else {
        c10d::TCPStoreOptions tcp;
        tcp.port = static_cast<uint16_t>(options.masterPort);
        tcp.isServer = options.rank == 0;
        tcp.numWorkers = static_cast<size_t>(options.world);
        tcp.timeout = options.timeout;
        baseStore_ = c10::make_intrusive<c10d::TCPStore>(options.masterHost, tcp);
      }
      baseStore_->setTimeout(options.timeout);
      store_ = c10::make_intrusive<c10d::PrefixStore>("layerout", baseStore_);
      auto pgOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
      // Gloo's default device resolves the hostname, which may leave loopback: local runs stay on it.
      if (!options.iface.empty()) {
        pgOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(options.iface));
      } else if (!options.storePath.empty()) {
        pgOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        pgOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, static_cast<int>(options.rank),
                                                        static_cast<int>(options.world), pgOptions);
    } catch (const std::exception& e) {
      throw GroupError("rank " + std::to_string(options.rank) + " of " + std::to_string(options.world) +
                               " could not join the data-parallel group through " + where +
                               " (each of the store and Gloo's connections waits up to " +
                               std::to_string(options.timeout.count() / 1000) + " s): " + describe(e));
    }
  }

  ~GlooGroup() override {
    try {
      pg_.reset();
      store_.reset();
      baseStore_.reset();
    } catch (...) {
      // leaving after a failure: nothing more to report
    }
  }

  int64_t rank() const override { return options_.rank; }
  int64_t world() const override { return options_.world; }

  Wait startAllreduce(torch::Tensor tensor, const char* what) override {
    c10::intrusive_ptr<c10d::Work> work;
    run(what, [&] {
      std::vector<at::Tensor> one{tensor};
      work = pg_->allreduce(one);
    });
    return [this, work, what] { run(what, [&] { work->wait(); }); };
  }

  void broadcast(std::vector<torch::Tensor>& tensors, const char* what) override {
    run(what, [&] {
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto& t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(pg_->broadcast(one));
      }
      for (auto& w : works) w->wait();
    });
  }

  std::string broadcastBytes(const std::string& bytes) override {
    auto length = torch::full({1}, static_cast<int64_t>(bytes.size()), torch::kInt64);
    std::vector<torch::Tensor> one{length};
    broadcast(one, "broadcast of rank 0's state");
    const auto n = length.item<int64_t>();
    if (n == 0) return {};
    auto data = torch::empty({n}, torch::kUInt8);
    if (options_.rank == 0) std::memcpy(data.data_ptr<uint8_t>(), bytes.data(), bytes.size());
    std::vector<torch::Tensor> payload{data};
    broadcast(payload, "broadcast of rank 0's state");
    return std::string(reinterpret_cast<const char*>(data.data_ptr<uint8_t>()), static_cast<size_t>(n));
  }

  Agreement agree(const std::vector<double>& values, bool stop) override {
    // max over ranks of [v, -v, stop] gives max(v), -min(v) and any(stop) in one collective.
    const auto k = static_cast<int64_t>(values.size());
    auto t = torch::empty({2 * k + 1}, torch::kFloat64);
    auto* p = t.data_ptr<double>();
    for (int64_t i = 0; i < k; ++i) {
      p[i] = values[static_cast<size_t>(i)];
      p[k + i] = -values[static_cast<size_t>(i)];
    }
    p[2 * k] = stop ? 1 : 0;
    run("agreement", [&] {
      std::vector<at::Tensor> one{t};
      c10d::AllreduceOptions opts;
      opts.reduceOp = c10d::ReduceOp::MAX;
      pg_->allreduce(one, opts)->wait();
    });
    Agreement result;
    for (int64_t i = 0; i < k; ++i) result.equal = result.equal && p[i] == -p[k + i];
    result.stop = p[2 * k] > 0;
    return result;
  }

  void close() override {
    if (broken_) return;
    run("leaving the group", [&] { pg_->barrier()->wait(); });
    pg_.reset();
    // Rank 0 serves a TCP store: it waits (bounded) for the others to let go of it. A file store
    // has no server, so nobody waits.
    if (options_.storePath.empty()) {
      const auto left = std::string("left");
      if (options_.rank != 0) {
        store_->add(left, 1);
      } else {
        const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
        while (std::chrono::steady_clock::now() < deadline && store_->add(left, 0) < options_.world - 1) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
    store_.reset();
    baseStore_.reset();
  }

 private:
  template <typename Body>
  void run(const char* what, Body&& body) {
    if (broken_) {
      throw GroupError(std::string("data-parallel ") + what + ": the group is broken by an earlier failure");
    }
    try {
      body();
    } catch (const std::exception& e) {
      broken_ = true;  // a failed Gloo group stays unusable: no later collective may wait on it
      throw GroupError(std::string("data-parallel ") + what + " failed on rank " + std::to_string(options_.rank) +
                               " of " + std::to_string(options_.world) +
                               ": another rank has stopped, crashed or been killed, or did not answer within " +
                               std::to_string(options_.timeout.count() / 1000) + " s (" + describe(e) + ")");
    }
  }

  GroupOptions options_;
  c10::intrusive_ptr<c10d::Store> baseStore_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  bool broken_ = false;
};

}  // namespace

std::shared_ptr<Group> Group::join(const GroupOptions& options) { return std::make_shared<GlooGroup>(options); }

}  // namespace layerout
#endif
