// Checkpoints (model, momentum buffers, caller metadata in one file) and raw bytes for digests.
#pragma once

#include "session.h"

#include <string>
#include <vector>

namespace layerout {

// Writes to `path + ".tmp"`, then renames, so a crash never leaves a half-written file.
void saveCheckpoint(Session& session, const std::string& path, const std::string& meta);
// Restores parameters, buffers and momentum; returns the stored metadata.
std::string loadCheckpoint(Session& session, const std::string& path);

// The bytes of tensors, in order, as float32 CPU data (what digests hash).
std::vector<uint8_t> tensorBytes(const std::vector<torch::Tensor>& tensors);
std::vector<torch::Tensor> unitParams(Session& session, int64_t unit);
// A unit's parameters, then its BatchNorm running mean and variance (if any).
std::vector<torch::Tensor> unitState(Session& session, int64_t unit);
std::vector<torch::Tensor> modelState(Session& session);  // parameters then buffers
// Momentum buffers of a unit's parameters; empty when any is not yet allocated.
std::vector<torch::Tensor> unitMomentum(Session& session, int64_t unit);

}  // namespace layerout
