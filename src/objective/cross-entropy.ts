// Classification: cross-entropy on the logits (optional label smoothing), accuracy of the argmax (native/objective.cc).
import type { ObjectiveKind } from './types';

export const CROSS_ENTROPY: ObjectiveKind = {
  name: 'cross-entropy',
  help: 'classification: cross-entropy on the logits (setting label-smoothing=S), accuracy of the argmax',
  target: 'class-index',
  settings: { labelSmoothing: { type: 'number', default: 0, min: 0, max: 1, maxExclusive: true, help: 'label smoothing (PyTorch label_smoothing)' } },
  metrics: ([correct]) => ({ acc: correct }),
};
