// Applying a freeze mask: requires_grad, gradient reset and BatchNorm mode per unit.
#pragma once

#include "net.h"

#include <string>
#include <vector>

namespace layerout {

// What a frozen unit's BatchNorm does (see the design notes).
enum class BnMode { Train, FreezeAffine, Freeze };

BnMode parseBnMode(const std::string& name);

// The BatchNorm mode of each frozen unit: one for all, or per unit (units pinned frozen by
// `--freeze` keep their BatchNorm frozen while the policy's frozen units follow `--bn`).
struct BnModes {
  BnMode all = BnMode::Train;
  std::vector<BnMode> perUnit;  // empty: `all` for every unit
  BnMode of(size_t unit) const { return unit < perUnit.size() ? perUnit[unit] : all; }
};

// Freezes the units whose mask entry is true and thaws the rest. A frozen parameter gets
// requires_grad=false and an undefined gradient, so the optimizer skips it entirely.
void applyFreeze(Net& net, const std::vector<bool>& mask, const BnModes& modes);

// Puts the net in training mode, except BatchNorms of frozen units under BnMode::Freeze.
void setTrainingMode(Net& net, const std::vector<bool>& mask, const BnModes& modes);

}  // namespace layerout
