// Classification: cross-entropy on the logits, accuracy of the argmax (native/objective.cc).
import type { ObjectiveKind } from './types';

export const CROSS_ENTROPY: ObjectiveKind = {
  name: 'cross-entropy',
  help: 'classification: cross-entropy on the logits, accuracy of the argmax',
  target: 'class-index',
  metric: 'acc',
};
