// Early stopping as a training callback, decided from the records alone (src/training/validation.ts),
// so a resumed run stops where an uninterrupted one does.
import type { TrainingCallback } from './callbacks';
import { bestEpoch, type EarlyStopSpec } from './validation';

/** Early stopping as a training callback: before each epoch, stop when `patience` epochs have passed since the best. */
export function earlyStopCallback(spec: Required<EarlyStopSpec>): TrainingCallback {
  return {
    onEpochStart: (_plan, run) => {
      const best = bestEpoch(run.records, spec.metric, spec.minDelta);
      const last = run.records.length ? run.records[run.records.length - 1].epoch : 0;
      return best !== null && last - best >= spec.patience ? 'early-stopped' : undefined;
    },
  };
}
