// Data parallel as a training callback: before every epoch the ranks agree on its plan (and hold
// the same weights) before any gradient is exchanged, and a stop request on any rank stops all.
import type { TrainingCallback } from '../training/callbacks';
import type { DataParallel } from './group';

export function dataParallelCallback(group: DataParallel, signal: AbortSignal | undefined): TrainingCallback {
  return {
    // Last of the callbacks: a stop asked for by any callback before it, or by the signal, on any rank, stops every rank.
    onEpochStart: ({ epoch: e, lr, mask, batchMasks, momentumReset, stop }, { model }) =>
      group.agree(`the plan of epoch ${e + 1}`, { e, lr, mask, batchMasks, momentumReset, digest: model.digest() }, stop || Boolean(signal?.aborted)),
  };
}
