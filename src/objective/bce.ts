// Binary and multi-label classification: binary cross-entropy on the logits against float targets
// in [0, 1] (torch.nn.functional.binary_cross_entropy_with_logits); accuracy over every label.
import type { ObjectiveKind } from './types';

export const BCE: ObjectiveKind = {
  name: 'bce',
  help: 'binary / multi-label: binary cross-entropy on the logits, targets in [0, 1]; accuracy over every label',
  target: 'float',
  targetRange: [0, 1],
  settings: {},
  metrics: ([correct], outputs) => ({ acc: correct / outputs }),
};
