#include "checkpoint.h"

#include "errors.h"
#include "sha256.h"

#include <map>
#include <sstream>
#include <cstring>
#include <stdexcept>

namespace layerout {

namespace {
std::string tensorDigest(const torch::Tensor& t) {
  auto cpu = t.detach().to(torch::kCPU).contiguous();
  return sha256Hex(cpu.data_ptr(), cpu.nbytes());
}

constexpr int64_t kLayout = 2;  // the archive layout written now (checkpoint.h)
constexpr const char* kOptimizerPrefix = "optimizer.";

// The archive name of parameter i's state `name` in a layout (1 knew only SGD's momentum).
std::string stateKey(const Optimizer& optimizer, const std::string& name, size_t i, int64_t layout) {
  if (layout == 1) return "momentum." + std::to_string(i);
  return kOptimizerPrefix + name + "." + optimizer.paramNames()[i];
}

// Every tensor a checkpoint holds, by the name its digest is recorded under (per layout).
std::vector<std::pair<std::string, torch::Tensor>> namedState(Session& session, int64_t layout = kLayout) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : session.net->named_parameters(true)) out.emplace_back("model/" + p.key(), p.value());
  for (const auto& b : session.net->named_buffers(true)) out.emplace_back("model/" + b.key(), b.value());
  auto& optimizer = *session.optimizer;
  for (const auto& name : optimizer.stateNames()) {
    for (const auto& [i, state] : optimizer.allState(name)) {
      if (state->defined()) out.emplace_back(stateKey(optimizer, name, i, layout), *state);
    }
  }
  return out;
}

// Every state tensor of the optimizer, in a fixed order (to put back after a failed restore).
std::vector<torch::Tensor> optimizerState(Optimizer& optimizer) {
  std::vector<torch::Tensor> out;
  for (const auto& name : optimizer.stateNames()) {
    for (const auto& entry : optimizer.allState(name)) out.push_back(*entry.second);
  }
  return out;
}

void setOptimizerState(Optimizer& optimizer, const std::vector<torch::Tensor>& state) {
  size_t k = 0;
  for (const auto& name : optimizer.stateNames()) {
    for (auto& entry : optimizer.allState(name)) *entry.second = state.at(k++);
  }
}

torch::Tensor bytesTensor(const std::string& text) {
  auto t = torch::empty({static_cast<int64_t>(text.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), text.data(), text.size());
  return t;
}

std::string tensorText(const torch::Tensor& t) {
  auto cpu = t.to(torch::kCPU).contiguous();
  return std::string(reinterpret_cast<const char*>(cpu.data_ptr<uint8_t>()), cpu.numel());
}

// The digest table as JSON: names are module paths and state keys, so no escaping is needed.
std::string digestTable(const std::vector<std::pair<std::string, std::string>>& digests) {
  std::string json = "{";
  for (size_t i = 0; i < digests.size(); ++i) {
    json += (i ? ",\"" : "\"") + digests[i].first + "\":\"" + digests[i].second + "\"";
  }
  return json + "}";
}

// Reads what digestTable wrote; false when the text is not such a table (it is damaged).
bool parseDigestTable(const std::string& json, std::map<std::string, std::string>& out) {
  size_t i = 0;
  auto expect = [&](char c) { return i < json.size() && json[i++] == c; };
  auto word = [&](std::string& w) {
    if (!expect('"')) return false;
    const auto end = json.find('"', i);
    if (end == std::string::npos) return false;
    w = json.substr(i, end - i);
    i = end + 1;
    return true;
  };
  if (!expect('{')) return false;
  if (i < json.size() && json[i] == '}') return ++i == json.size();
  for (;;) {
    std::string key, value;
    if (!word(key) || !expect(':') || !word(value) || value.size() != 64) return false;
    out[key] = value;
    if (i < json.size() && json[i] == ',') {
      ++i;
      continue;
    }
    return expect('}') && i == json.size();
  }
}

void loadArchive(torch::serialize::InputArchive& archive, const std::string& bytes, const torch::Device& device) {
  try {
    archive.load_from(bytes.data(), bytes.size(), device);
  } catch (const std::exception& e) {
    throw std::runtime_error("the file is truncated or not a layerout checkpoint (" + describe(e) + ")");
  }
}

// Checks the meta bytes against the table; fills `damaged` and returns whether a table exists.
bool checkMeta(torch::serialize::InputArchive& archive, const std::string& meta, std::map<std::string, std::string>& table,
               std::vector<std::string>& damaged) {
  torch::Tensor tableBytes;
  if (!archive.try_read("digests", tableBytes, true)) return false;  // written before digests existed
  if (!parseDigestTable(tensorText(tableBytes), table)) {
    damaged.push_back("digest table");
    return true;
  }
  auto it = table.find("meta");
  if (it == table.end() || it->second != sha256Hex(meta.data(), meta.size())) damaged.push_back("metadata");
  return true;
}
}  // namespace

std::string checkpointBytes(Session& session, const std::string& meta) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive modelArchive;
  session.net->save(modelArchive);
  archive.write("model", modelArchive);
  std::vector<std::pair<std::string, std::string>> digests;
  for (const auto& [name, tensor] : namedState(session)) {
    digests.emplace_back(name, tensorDigest(tensor));
    if (name.rfind(kOptimizerPrefix, 0) == 0) archive.write(name, tensor, /*is_buffer=*/true);
  }
  archive.write("layout", torch::tensor({kLayout}, torch::kInt64), /*is_buffer=*/true);
  archive.write("optimizer", bytesTensor(session.optimizer->kind()), /*is_buffer=*/true);
  digests.emplace_back("meta", sha256Hex(meta.data(), meta.size()));
  archive.write("meta", bytesTensor(meta), /*is_buffer=*/true);
  archive.write("digests", bytesTensor(digestTable(digests)), /*is_buffer=*/true);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

namespace {
std::string readMeta(torch::serialize::InputArchive& archive) {
  torch::Tensor metaBytes;
  if (!archive.try_read("meta", metaBytes, true)) return "";
  return tensorText(metaBytes);
}
}  // namespace

RestoreResult restoreCheckpoint(Session& session, const std::string& bytes, bool strict) {
  torch::serialize::InputArchive archive;
  loadArchive(archive, bytes, session.device);
  torch::serialize::InputArchive modelArchive;
  if (!archive.try_read("model", modelArchive)) throw std::runtime_error("not a layerout checkpoint (no model)");
  // What the session holds now, to put back if the checkpoint turns out damaged.
  std::vector<torch::Tensor> before;
  {
    torch::NoGradGuard noGrad;
    for (auto& p : session.net->parameters()) before.push_back(p.detach().clone());
    for (auto& b : session.net->buffers()) before.push_back(b.detach().clone());
  }
  auto& optimizer = *session.optimizer;
  const auto stateBefore = optimizerState(optimizer);
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& [name, tensor] : namedState(session)) {
    if (name.rfind("model/", 0) == 0) shapes.emplace_back(name, tensor.sizes().vec());
  }
  auto rollback = [&] {
    torch::NoGradGuard noGrad;
    size_t k = 0;
    for (auto& p : session.net->parameters()) p.set_data(before[k++]);
    for (auto& b : session.net->buffers()) b.set_(before[k++]);
    setOptimizerState(optimizer, stateBefore);
  };

  RestoreResult result;
  try {
    session.net->load(modelArchive);
  } catch (const std::exception& e) {
    rollback();
    throw std::runtime_error("the checkpoint holds another network (" + describe(e) + ")");
  }
  // From here on the net holds the file's weights: whatever fails puts the session back.
  try {
    // libtorch's reader replaces a tensor whatever its shape: compare, so another network's
    // checkpoint is named here instead of failing (or silently running) later.
    {
      size_t i = 0;
      for (const auto& [name, tensor] : namedState(session)) {
        if (name.rfind("model/", 0) != 0) continue;
        if (tensor.sizes().vec() != shapes[i].second) {
          const auto was = tensor.sizes().vec();
          rollback();
          throw std::runtime_error("the checkpoint holds another network: its " + name.substr(6) + " is " + shapeText(was) +
                                   ", this model's is " + shapeText(shapes[i].second));
        }
        ++i;
      }
    }
    // The optimizer state, by name, in the archive's own layout.
    torch::Tensor layoutTensor, kindBytes;
    const bool hasLayout = archive.try_read("layout", layoutTensor, true);
    if (hasLayout && (layoutTensor.numel() != 1 || layoutTensor.scalar_type() != torch::kInt64)) {
      throw std::runtime_error("the checkpoint is damaged: its layout entry is not one whole number");
    }
    const int64_t layout = hasLayout ? layoutTensor.to(torch::kCPU).item<int64_t>() : 1;
    if (layout != 1 && layout != kLayout) {
      rollback();
      throw std::runtime_error("the checkpoint has archive layout " + std::to_string(layout) +
                               ", newer than this layerout reads (" + std::to_string(kLayout) + "): update layerout");
    }
    const std::string kind = layout == 1 ? "sgd" : archive.try_read("optimizer", kindBytes, true) ? tensorText(kindBytes) : "";
    if (kind != optimizer.kind()) {
      rollback();
      throw std::runtime_error("the checkpoint holds " + (kind.empty() ? std::string("no optimizer kind") : kind) +
                               " optimizer state, this model trains with " + optimizer.kind());
    }
    for (const auto& name : optimizer.stateNames()) {
      for (auto& [i, state] : optimizer.allState(name)) {
        torch::Tensor buf;
        *state = archive.try_read(stateKey(optimizer, name, i, layout), buf, true) ? buf : torch::Tensor();
      }
    }
    result.meta = readMeta(archive);
    session.applyMemoryFormat();  // the reader kept the strides the tensors were saved with
    std::map<std::string, std::string> table;
    result.verified = checkMeta(archive, result.meta, table, result.damaged);
    if (result.verified && !table.empty()) {
      size_t seen = 1;  // the metadata
      for (const auto& [name, tensor] : namedState(session, layout)) {
        auto it = table.find(name);
        if (it == table.end() || it->second != tensorDigest(tensor)) result.damaged.push_back(name);
        if (it != table.end()) ++seen;
      }
      if (seen != table.size()) result.damaged.push_back("tensors missing from the file");
    }
    if (strict && !result.damaged.empty()) {
      rollback();
      std::string list;
      for (size_t i = 0; i < result.damaged.size() && i < 8; ++i) list += (i ? ", " : "") + result.damaged[i];
      if (result.damaged.size() > 8) list += ", ... (" + std::to_string(result.damaged.size()) + " in all)";
      throw std::runtime_error("the checkpoint is damaged: " + list + " no longer match their SHA-256");
    }
    return result;
  } catch (...) {
    rollback();  // idempotent: some paths above have rolled back already
    throw;
  }
}

MetaResult checkpointMeta(const std::string& bytes) {
  torch::serialize::InputArchive archive;
  loadArchive(archive, bytes, torch::Device(torch::kCPU));
  MetaResult result;
  result.meta = readMeta(archive);
  std::map<std::string, std::string> table;
  std::vector<std::string> damaged;
  result.verified = checkMeta(archive, result.meta, table, damaged);
  result.damaged = !damaged.empty();
  return result;
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
  for (const auto& t : session.net->units().at(static_cast<size_t>(unit)).bnStats()) state.push_back(t);
  return state;
}

std::vector<torch::Tensor> modelState(Session& session) {
  auto all = session.net->parameters();
  for (auto& b : session.net->buffers()) all.push_back(b);
  return all;
}

std::vector<torch::Tensor> unitOptimizerState(Session& session, int64_t unit) {
  auto& optimizer = *session.optimizer;
  std::vector<torch::Tensor> out;
  for (const auto& p : unitParams(session, unit)) {
    const int64_t i = optimizer.indexOf(p);
    if (i < 0) return {};
    for (const auto& name : optimizer.stateNames()) {
      const auto& state = optimizer.state(static_cast<size_t>(i), name);
      if (!state.defined()) return {};
      out.push_back(state);
    }
  }
  return out;
}

}  // namespace layerout
