// Checkpoints (model, optimizer state, caller metadata in one torch::serialize archive) as
// bytes in memory: the TypeScript run folder writes them to disk, so a failed write is an
// ordinary error there and never an exception thrown from inside libtorch's file writer.
//
// Archive layouts: 2 (now) holds `layout` = 2, `optimizer` (its kind) and each state tensor as
// `optimizer.<state name>.<parameter name>` (`optimizer.momentum_buffer.fc1.weight`); 1 (before
// the optimizer seam) held SGD momentum as `momentum.<parameter index>`. Both restore.
#pragma once

#include "session.h"

#include <string>
#include <vector>

namespace layerout {

// The archive also holds a SHA-256 of every tensor (weights, buffers, optimizer state) and of the
// metadata, so damage inside the file is found on restore instead of being trained on.
std::string checkpointBytes(Session& session, const std::string& meta);

struct RestoreResult {
  std::string meta;
  std::vector<std::string> damaged;  // names whose bytes no longer match their digest
  bool verified = false;             // false: a checkpoint from before digests existed
};
// Restores parameters, buffers and optimizer state from checkpoint bytes and verifies them. With
// `strict`, damage puts the session's previous state back and throws, naming what is damaged.
RestoreResult restoreCheckpoint(Session& session, const std::string& bytes, bool strict);

struct MetaResult {
  std::string meta;
  bool damaged = false;
  bool verified = false;
};
// The metadata of checkpoint bytes, checked against its digest, without a model.
MetaResult checkpointMeta(const std::string& bytes);

// The bytes of tensors, in order, as CPU data (what digests hash).
std::vector<uint8_t> tensorBytes(const std::vector<torch::Tensor>& tensors);
std::vector<torch::Tensor> unitParams(Session& session, int64_t unit);
// A unit's parameters, then its BatchNorm running mean and variance (if any).
std::vector<torch::Tensor> unitState(Session& session, int64_t unit);
std::vector<torch::Tensor> modelState(Session& session);  // parameters then buffers
// The optimizer state of a unit's parameters (SGD: momentum buffers); empty when any is not yet allocated.
std::vector<torch::Tensor> unitOptimizerState(Session& session, int64_t unit);

}  // namespace layerout
