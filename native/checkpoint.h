// Checkpoints (model, momentum buffers, caller metadata in one torch::serialize archive) as
// bytes in memory: the TypeScript run folder writes them to disk, so a failed write is an
// ordinary error there and never an exception thrown from inside libtorch's file writer.
#pragma once

#include "session.h"

#include <string>
#include <vector>

namespace layerout {

std::string checkpointBytes(Session& session, const std::string& meta);
// Restores parameters, buffers and momentum from checkpoint bytes; returns the stored metadata.
std::string restoreCheckpoint(Session& session, const std::string& bytes);
// The metadata of checkpoint bytes, without a model.
std::string checkpointMeta(const std::string& bytes);

// The bytes of tensors, in order, as CPU data (what digests hash).
std::vector<uint8_t> tensorBytes(const std::vector<torch::Tensor>& tensors);
std::vector<torch::Tensor> unitParams(Session& session, int64_t unit);
// A unit's parameters, then its BatchNorm running mean and variance (if any).
std::vector<torch::Tensor> unitState(Session& session, int64_t unit);
std::vector<torch::Tensor> modelState(Session& session);  // parameters then buffers
// Momentum buffers of a unit's parameters; empty when any is not yet allocated.
std::vector<torch::Tensor> unitMomentum(Session& session, int64_t unit);

}  // namespace layerout
