#include "checkpoint.h"

#include <sstream>
#include <cstring>
#include <stdexcept>

namespace layerout {

std::string checkpointBytes(Session& session, const std::string& meta) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive modelArchive;
  session.net->save(modelArchive);
  archive.write("model", modelArchive);
  const auto& momentum = session.sgd->momentum();
  for (size_t i = 0; i < momentum.size(); ++i) {
    if (momentum[i].defined()) archive.write("momentum." + std::to_string(i), momentum[i], /*is_buffer=*/true);
  }
  auto metaBytes = torch::empty({static_cast<int64_t>(meta.size())}, torch::kUInt8);
  std::memcpy(metaBytes.data_ptr<uint8_t>(), meta.data(), meta.size());
  archive.write("meta", metaBytes, /*is_buffer=*/true);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

namespace {
std::string readMeta(torch::serialize::InputArchive& archive) {
  torch::Tensor metaBytes;
  if (!archive.try_read("meta", metaBytes, true)) return "";
  metaBytes = metaBytes.to(torch::kCPU).contiguous();
  return std::string(reinterpret_cast<const char*>(metaBytes.data_ptr<uint8_t>()), metaBytes.numel());
}
}  // namespace

std::string restoreCheckpoint(Session& session, const std::string& bytes) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size(), session.device);
  torch::serialize::InputArchive modelArchive;
  if (!archive.try_read("model", modelArchive)) throw std::runtime_error("not a layerout checkpoint (no model)");
  session.net->load(modelArchive);
  auto& momentum = session.sgd->momentum();
  for (size_t i = 0; i < momentum.size(); ++i) {
    torch::Tensor buf;
    momentum[i] = archive.try_read("momentum." + std::to_string(i), buf, true) ? buf : torch::Tensor();
  }
  return readMeta(archive);
}

std::string checkpointMeta(const std::string& bytes) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size(), torch::Device(torch::kCPU));
  return readMeta(archive);
}

std::vector<uint8_t> tensorBytes(const std::vector<torch::Tensor>& tensors) {
  std::vector<uint8_t> bytes;
  for (const auto& t : tensors) {
    auto cpu = t.detach().to(torch::kCPU).contiguous();
    const auto* begin = static_cast<const uint8_t*>(cpu.data_ptr());
    bytes.insert(bytes.end(), begin, begin + cpu.nbytes());
  }
  return bytes;
}

std::vector<torch::Tensor> unitParams(Session& session, int64_t unit) {
  return session.net->units().at(static_cast<size_t>(unit)).allParams();
}

std::vector<torch::Tensor> unitState(Session& session, int64_t unit) {
  auto state = unitParams(session, unit);
  const auto& bn = session.net->units().at(static_cast<size_t>(unit)).bn;
  if (!bn.is_empty()) {
    state.push_back(bn->running_mean);
    state.push_back(bn->running_var);
  }
  return state;
}

std::vector<torch::Tensor> modelState(Session& session) {
  auto all = session.net->parameters();
  for (auto& b : session.net->buffers()) all.push_back(b);
  return all;
}

std::vector<torch::Tensor> unitMomentum(Session& session, int64_t unit) {
  std::vector<torch::Tensor> out;
  for (const auto& p : unitParams(session, unit)) {
    const int64_t i = session.sgd->indexOf(p);
    if (i < 0 || !session.sgd->momentum()[static_cast<size_t>(i)].defined()) return {};
    out.push_back(session.sgd->momentum()[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace layerout
