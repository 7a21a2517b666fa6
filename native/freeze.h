// Applying a freeze mask: requires_grad, gradient reset and BatchNorm mode per unit.
#pragma once

#include "net.h"

#include <string>
#include <vector>

namespace layerout {

// What a frozen unit's BatchNorm does (see the design notes).
enum class BnMode { Train, FreezeAffine, Freeze };

BnMode parseBnMode(const std::string& name);

// Freezes the units whose mask entry is true and thaws the rest. A frozen parameter gets
// requires_grad=false and an undefined gradient, so the optimizer skips it entirely.
void applyFreeze(Net& net, const std::vector<bool>& mask, BnMode mode);

// Puts the net in training mode, except BatchNorms of frozen units under BnMode::Freeze.
void setTrainingMode(Net& net, const std::vector<bool>& mask, BnMode mode);

}  // namespace layerout
