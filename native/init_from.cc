#include "init_from.h"

#include "errors.h"

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

#include <map>
#include <sstream>
#include <stdexcept>

namespace layerout {
namespace {
std::vector<int64_t> shapeOf(const torch::Tensor& t) { return t.sizes().vec(); }
}  // namespace

std::map<std::string, torch::Tensor> readWeightFile(const std::vector<char>& bytes) {
  // Only ZIP archives reach libtorch's readers: its legacy unpickler crashes (SIGSEGV) on some
  // files that are not pickles at all.
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K') {
    throw std::invalid_argument(
        "not a ZIP archive, so neither a torch.save file of PyTorch 1.6 or later nor a TorchScript module "
        "(a file saved with _use_new_zipfile_serialization=False is not read: load it and torch.save it again)");
  }
  std::map<std::string, torch::Tensor> out;
  std::string pickleError;
  try {
    auto value = torch::pickle_load(bytes);
    if (!value.isGenericDict()) throw std::invalid_argument("the file holds a " + value.tagKind() + ", not a {name: tensor} dict");
    for (const auto& entry : value.toGenericDict()) {
      if (!entry.key().isString()) throw std::invalid_argument("a key of the dict is not a string");
      if (!entry.value().isTensor()) continue;  // e.g. _metadata or hyper-parameters saved beside the weights
      out[entry.key().toStringRef()] = entry.value().toTensor();
    }
    return out;
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    pickleError = describe(e);
  }
  try {
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    auto module = torch::jit::load(in, torch::kCPU);
    for (const auto& p : module.named_parameters(true)) out[p.name] = p.value;
    for (const auto& b : module.named_buffers(true)) out[b.name] = b.value;
    return out;
  } catch (const std::exception&) {
    throw std::invalid_argument("not a torch.save'd state dict or a TorchScript module (" + pickleError + ")");
  }
}

WeightMatch loadNamedWeights(Session& session, const std::map<std::string, torch::Tensor>& theirs, const std::set<int>& skipUnits) {
  auto ours = session.net->namedState();
  WeightMatch match;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  std::set<std::string> known;
  for (const auto& t : ours) {
    known.insert(t.name);
    auto it = theirs.find(t.name);
    if (it == theirs.end()) {
      (skipUnits.count(t.unit) ? match.skipped : match.missing).push_back(t.name);
      continue;
    }
    if (skipUnits.count(t.unit)) {
      match.skipped.push_back(t.name);
      continue;
    }
    if (it->second.sizes() != t.tensor.sizes()) {
      match.mismatched.push_back({t.name, shapeOf(t.tensor), shapeOf(it->second), t.unit});
      continue;
    }
    copies.emplace_back(t.tensor, it->second);
    match.loaded.push_back(t.name);
  }
  for (const auto& [name, _] : theirs) {
    if (!known.count(name)) match.unexpected.push_back(name);
  }
  if (!match.mismatched.empty()) return match;
  torch::NoGradGuard noGrad;
  for (auto& [dst, src] : copies) dst.copy_(src.to(dst.device(), dst.scalar_type()));
  return match;
}

}  // namespace layerout
