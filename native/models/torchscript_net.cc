#include "torchscript_net.h"

#include "../device.h"
#include "../errors.h"

#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/script.h>

#include <cctype>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace layerout {
namespace {

std::string typeName(const torch::jit::Module& m) {
  auto name = m.type()->name();
  return name ? name->name() : "";
}

bool isLayer(const std::string& t) { return t == "Conv1d" || t == "Conv2d" || t == "Conv3d" || t == "Linear"; }
bool isBatchNorm(const std::string& t) { return t == "BatchNorm1d" || t == "BatchNorm2d" || t == "BatchNorm3d"; }

using UnitRules = std::vector<std::pair<std::string, std::vector<std::string>>>;

class TorchScriptNet : public Net {
 public:
  TorchScriptNet(torch::jit::Module module, const std::vector<int64_t>& inputShape, const UnitRules& rules) : module_(std::move(module)) {
    inputShape_ = inputShape;
    // The module's tensors, registered under flattened names: the same tensors, so the script's
    // forward sees every requires_grad change and every in-place update.
    std::map<const void*, std::string> owners;
    for (const auto& p : module_.named_parameters(true)) {
      auto [it, fresh] = owners.emplace(p.value.unsafeGetTensorImpl(), p.name);
      if (!fresh) {
        // A module registered twice (self.fc2 = self.fc) would be updated twice per step and
        // could not be frozen in one place.
        throw std::invalid_argument("the module uses one parameter under two names (" + it->second + " and " + p.name +
                                    "): layerout needs each parameter in exactly one module");
      }
      register_parameter(moduleName(p.name), p.value);
    }
    for (const auto& b : module_.named_buffers(true)) register_buffer(moduleName(b.name), b.value);
    findUnits(rules);
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = module_.forward({x});
    if (!out.isTensor()) throw std::runtime_error("the TorchScript module's forward must return one tensor");
    return out.toTensor();
  }

  void train(bool on) override {
    torch::nn::Module::train(on);
    module_.train(on);
  }

  std::vector<NamedTensor> namedState() override {
    std::map<const void*, int> owner;
    for (size_t i = 0; i < units_.size(); ++i) {
      for (const auto& t : units_[i].allParams()) owner[t.unsafeGetTensorImpl()] = static_cast<int>(i);
      for (const auto& t : units_[i].bnStats()) owner[t.unsafeGetTensorImpl()] = static_cast<int>(i);
    }
    std::vector<NamedTensor> out;
    auto unitOf = [&](const torch::Tensor& t) {
      auto it = owner.find(t.unsafeGetTensorImpl());
      return it == owner.end() ? -1 : it->second;
    };
    for (const auto& p : module_.named_parameters(true)) out.push_back({p.name, p.value, unitOf(p.value)});
    for (const auto& b : module_.named_buffers(true)) out.push_back({b.name, b.value, unitOf(b.value)});
    return out;
  }

  // Multiply-adds per sample of each unit, measured: one forward pass (eval mode, autograd on) of one zero sample under
  // libtorch's profiler with FLOP counting and TorchScript module hierarchies; each convolution
  // and matrix product (conv, mm, addmm, bmm, baddbmm: half their FLOPs) goes to the unit that
  // owns the parameters of the module it ran in (or of its nearest ancestor that has some).
  // Units where nothing ran keep 0; the measurement failing leaves them unknown (-1).
  void measureMacs() {
    namespace prof = torch::autograd::profiler;
    namespace impl = torch::profiler::impl;
    const impl::ProfilerConfig config(impl::ProfilerState::KINETO, true, false, false, true, true);
    const std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
    std::unique_ptr<prof::ProfilerResult> result;
    try {
      // Eval (no BatchNorm statistics change) but with autograd on: inference fast paths (the
      // fused transformer layer) would hide the products the training step computes.
      eval();
      forward(torch::zeros({1, inputShape_[0], inputShape_[1], inputShape_[2]}));
      train(true);
      result = prof::disableProfiler();
    } catch (...) {
      train(true);
      try {
        prof::disableProfiler();
      } catch (...) {
      }
      throw;
    }
    std::map<std::string, std::pair<int, int64_t>> unitOfParam;  // name -> (unit, elements)
    for (size_t u = 0; u < units_.size(); ++u) {
      std::set<const void*> mine;
      for (const auto& t : units_[u].allParams()) mine.insert(t.unsafeGetTensorImpl());
      for (const auto& p : module_.named_parameters(true)) {
        if (mine.count(p.value.unsafeGetTensorImpl())) unitOfParam[p.name] = {static_cast<int>(u), p.value.numel()};
      }
    }
    static const std::set<std::string> counted = {"aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"};
    std::vector<double> macs(units_.size(), 0.0);
    for (const auto& e : result->events()) {
      if (!counted.count(e.name()) || e.flops() == 0) continue;
      for (const auto& [unit, share] : unitsAt(e.hasModuleHierarchy() ? modulePath(e.moduleHierarchy()) : std::string(), unitOfParam)) {
        macs[static_cast<size_t>(unit)] += share * static_cast<double>(e.flops()) / 2.0;
      }
    }
    for (size_t u = 0; u < units_.size(); ++u) units_[u].macs = static_cast<int64_t>(macs[u]);
  }

  std::vector<char> bytes() {
    std::ostringstream out;
    module_.save(out);
    const auto s = out.str();
    return std::vector<char>(s.begin(), s.end());
  }

 private:
  // Freeze units. Default: the root's own parameters (a class token, a positional embedding)
  // one unit each, then one unit per top-level child module in registration order, where
  // containers (Sequential, ModuleList, ModuleDict) count their children as top-level and a
  // BatchNorm right after a conv or linear joins it. With rules: one unit per rule, holding the
  // parameters whose names match its patterns; each parameter must match exactly one rule.
  void findUnits(const UnitRules& rules) {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups = rules.empty() ? defaultGroups() : ruleGroups(rules);
    for (const auto& [name, params] : groups) {
      if (!params.empty()) units_.push_back(makeUnit(name, params));
    }
    if (units_.empty()) throw std::invalid_argument("the module has no parameters to train");
  }

  std::vector<std::pair<std::string, std::vector<std::string>>> defaultGroups() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const auto& p : module_.named_parameters(false)) groups.push_back({p.name, {p.name}});
    std::vector<std::pair<std::string, std::string>> entries;  // (path, type) of the top-level modules
    std::function<void(const torch::jit::Module&, const std::string&)> collect = [&](const torch::jit::Module& m, const std::string& prefix) {
      for (const auto& child : m.named_children()) {
        const auto path = prefix + child.name;
        const auto type = typeName(child.value);
        if (type == "Sequential" || type == "ModuleList" || type == "ModuleDict") collect(child.value, path + ".");
        else entries.emplace_back(path, type);
      }
    };
    collect(module_, "");
    const auto all = module_.named_parameters(true);
    auto under = [&](const std::string& path) {
      std::vector<std::string> names;
      for (const auto& p : all) {
        if (p.name.rfind(path + ".", 0) == 0) names.push_back(p.name);
      }
      return names;
    };
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto unitName = entries[i].first;
      auto names = under(unitName);
      if (names.empty()) continue;
      if (isLayer(entries[i].second) && i + 1 < entries.size() && isBatchNorm(entries[i + 1].second)) {
        for (auto& n : under(entries[++i].first)) names.push_back(n);
      }
      groups.push_back({unitName, names});
    }
    return groups;
  }

  std::vector<std::pair<std::string, std::vector<std::string>>> ruleGroups(const UnitRules& rules) const {
    std::vector<std::regex> patterns;
    std::vector<size_t> ruleOf;
    for (size_t r = 0; r < rules.size(); ++r) {
      for (const auto& glob : rules[r].second) {
        patterns.emplace_back(globRegex(glob));
        ruleOf.push_back(r);
      }
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const auto& rule : rules) groups.push_back({rule.first, {}});
    std::vector<std::string> unclaimed, twice;
    std::vector<bool> used(patterns.size(), false);
    for (const auto& p : module_.named_parameters(true)) {
      std::set<size_t> hits;
      for (size_t k = 0; k < patterns.size(); ++k) {
        if (std::regex_match(p.name, patterns[k])) {
          hits.insert(ruleOf[k]);
          used[k] = true;
        }
      }
      if (hits.empty()) unclaimed.push_back(p.name);
      else if (hits.size() > 1) twice.push_back(p.name + " (" + rules[*hits.begin()].first + " and " + rules[*std::next(hits.begin())].first + ")");
      else groups[*hits.begin()].second.push_back(p.name);
    }
    auto listed = [](const std::vector<std::string>& v) {
      std::string out;
      for (size_t i = 0; i < v.size() && i < 8; ++i) out += (i ? ", " : "") + v[i];
      return out + (v.size() > 8 ? ", ... (" + std::to_string(v.size()) + ")" : "");
    };
    if (!unclaimed.empty()) throw std::invalid_argument("units: " + std::to_string(unclaimed.size()) + " parameter(s) in no unit: " + listed(unclaimed));
    if (!twice.empty()) throw std::invalid_argument("units: " + std::to_string(twice.size()) + " parameter(s) in two units: " + listed(twice));
    for (const auto& [name, params] : groups) {
      if (params.empty()) throw std::invalid_argument("units: unit " + name + " matches no parameter");
    }
    // A pattern that matches nothing is a typo the other patterns would hide.
    for (size_t r = 0, k = 0; r < rules.size(); ++r) {
      for (const auto& glob : rules[r].second) {
        if (!used[k++]) throw std::invalid_argument("units: the pattern " + glob + " of unit " + rules[r].first + " matches no parameter");
      }
    }
    return groups;
  }

  static std::regex globRegex(const std::string& glob) {
    std::string re;
    for (char c : glob) {
      if (c == '*') re += ".*";
      else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') re += c;
      else re += std::string("\\") + c;
    }
    return std::regex(re);
  }

  FreezeUnit makeUnit(const std::string& name, const std::vector<std::string>& params) {
    std::map<std::string, torch::jit::Module> modules;
    for (const auto& m : module_.named_modules()) modules.emplace(m.name, m.value);
    std::map<std::string, torch::Tensor> tensors;
    for (const auto& p : module_.named_parameters(true)) tensors.emplace(p.name, p.value);
    FreezeUnit unit;
    unit.name = name;
    unit.torchName = name;
    std::set<std::string> owners, bns;
    for (const auto& pname : params) {
      const auto dot = pname.rfind('.');
      const auto owner = dot == std::string::npos ? std::string() : pname.substr(0, dot);
      owners.insert(owner);
      const auto it = modules.find(owner);
      if (it != modules.end() && isBatchNorm(typeName(it->second))) {
        unit.scriptBnAffine.push_back(tensors.at(pname));
        bns.insert(owner);
      } else {
        unit.weights.push_back(tensors.at(pname));
      }
    }
    std::vector<torch::jit::Module> bnModules;
    for (const auto& path : bns) {
      auto bn = modules.at(path);
      for (const auto& b : bn.named_buffers(false)) {
        if (b.name == "running_mean" || b.name == "running_var") unit.scriptBnStats.push_back(b.value);
      }
      bnModules.push_back(bn);
      if (unit.torchBnName.empty()) unit.torchBnName = path;
    }
    if (!bnModules.empty()) {
      unit.scriptBnTrain = [bnModules](bool on) mutable {
        for (auto& bn : bnModules) bn.train(on);
      };
    }
    // A conv or linear (with its BatchNorm): its kind; anything else (blocks, embeddings) "other".
    std::set<std::string> layerOwners;
    for (const auto& o : owners) {
      if (!bns.count(o)) layerOwners.insert(o);
    }
    unit.kind = "other";
    if (layerOwners.size() == 1 && modules.count(*layerOwners.begin())) {
      const auto type = typeName(modules.at(*layerOwners.begin()));
      if (type == "Linear") unit.kind = "linear";
      else if (isLayer(type)) unit.kind = "conv";
    }
    unit.macs = -1;  // measured once the net is built (measureMacs)
    if (unit.weights.empty()) {
      // Only BatchNorm affine: still a unit; its parameters train as weights.
      unit.weights = unit.scriptBnAffine;
      unit.scriptBnAffine.clear();
    }
    for (const auto& p : unit.allParams()) unit.params += p.numel();
    return unit;
  }

  // The module path of a profiler module hierarchy ("TOP(ViT)::forward", "encoder(TransformerEncoder)::forward",
  // "0(TransformerEncoderLayer)::forward", ...): each frame's instance name, found among the
  // children of the previous one or of a container child (a ModuleList's "0" is "layers.0").
  std::string modulePath(const c10::ArrayRef<std::string>& frames) const {
    std::string path;
    torch::jit::Module current = module_;
    for (const auto& frame : frames) {
      const auto name = frame.substr(0, frame.find('('));
      if (name == "TOP" || name == "SELF" || name.empty()) continue;
      bool found = false;
      for (const auto& child : current.named_children()) {
        if (child.name == name) {
          path += (path.empty() ? "" : ".") + name;
          current = child.value;
          found = true;
          break;
        }
      }
      if (!found) {
        for (const auto& child : current.named_children()) {
          for (const auto& grandchild : child.value.named_children()) {
            if (grandchild.name == name) {
              path += (path.empty() ? "" : ".") + child.name + "." + name;
              current = grandchild.value;
              found = true;
              break;
            }
          }
          if (found) break;
        }
      }
      if (!found) break;  // not a module we know: attribute to where we are
    }
    return path;
  }

  // Who computed an operator run in module `path`: the units holding that module's own
  // parameters, shared by their element counts (an LSTM split into one unit per layer: each
  // layer's products scale with its weights); without own parameters, the unit of the first
  // parameter under the module, else of its nearest ancestor.
  static std::vector<std::pair<int, double>> unitsAt(std::string path, const std::map<std::string, std::pair<int, int64_t>>& unitOfParam) {
    while (true) {
      const auto prefix = path.empty() ? std::string() : path + ".";
      std::map<int, int64_t> own;
      int64_t total = 0;
      for (const auto& [name, owner] : unitOfParam) {
        if (name.rfind(prefix, 0) == 0 && name.find('.', prefix.size()) == std::string::npos) {
          own[owner.first] += owner.second;
          total += owner.second;
        }
      }
      if (total > 0) {
        std::vector<std::pair<int, double>> out;
        for (const auto& [unit, n] : own) out.emplace_back(unit, static_cast<double>(n) / static_cast<double>(total));
        return out;
      }
      for (const auto& [name, owner] : unitOfParam) {
        if (name.rfind(prefix, 0) == 0) return {{owner.first, 1.0}};
      }
      if (path.empty()) return {};
      const auto dot = path.rfind('.');
      path = dot == std::string::npos ? std::string() : path.substr(0, dot);
    }
  }

  torch::jit::Module module_;
};

}  // namespace

namespace {
// One forward pass on zeros: the module must take the input shape and give one logit per class.
void checkOutput(Net& net, const std::string& path, const std::vector<int64_t>& inputShape, int64_t classes) {
  std::vector<int64_t> batch = {2, inputShape[0], inputShape[1], inputShape[2]};
  torch::Tensor out;
  {
    torch::NoGradGuard noGrad;
    net.eval();
    try {
      out = net.forward(torch::zeros(batch));
    } catch (const std::exception& e) {
      net.train(true);
      throw std::invalid_argument(path + " fails on an input of shape " + shapeText(batch) + ": " + describe(e));
    }
    net.train(true);
  }
  if (!out.is_floating_point()) {
    throw std::invalid_argument(path + " gives " + std::string(c10::toString(out.scalar_type())) + " values; logits must be floating point");
  }
  if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != classes) {
    throw std::invalid_argument(path + " gives " + shapeText(out.sizes()) + " for an input of shape " + shapeText(batch) +
                                "; a classifier of " + std::to_string(classes) + " classes must give [2, " +
                                std::to_string(classes) + "]");
  }
}
}  // namespace

NetPtr buildTorchScriptNet(const std::string& path, const std::vector<int64_t>& inputShape, int64_t classes, const UnitRules& units) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const std::exception& e) {
    const auto why = describe(e);
    if (why.find("open file failed") != std::string::npos || why.find("No such file") != std::string::npos) {
      throw std::invalid_argument(path + ": no such file");
    }
    if (why.find("zip archive") != std::string::npos || why.find("central directory") != std::string::npos) {
      throw std::invalid_argument(path + " is not a TorchScript file (save one with torch.jit.script(net).save(PATH) or torch.jit.trace)");
    }
    if (why.find("version") != std::string::npos) {
      throw std::invalid_argument(path + " was saved by a newer PyTorch than this libtorch " + torchVersion() + " reads (" + why + ")");
    }
    throw std::invalid_argument(path + ": could not load the TorchScript module (" + why + ")");
  }
  auto net = std::make_shared<TorchScriptNet>(std::move(module), inputShape, units);
  checkOutput(*net, path, inputShape, classes);
  try {
    net->measureMacs();
  } catch (const std::exception&) {
    for (auto& unit : net->units()) unit.macs = -1;  // unknown: the cost model then says so
  }
  return net;
}

bool isTorchScriptNet(const Net& net) { return dynamic_cast<const TorchScriptNet*>(&net) != nullptr; }

bool torchScriptBytes(Net& net, std::vector<char>& out) {
  auto* script = dynamic_cast<TorchScriptNet*>(&net);
  if (!script) return false;
  out = script->bytes();
  return true;
}

}  // namespace layerout
