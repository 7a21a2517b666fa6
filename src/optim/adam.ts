// Adam, torch.optim.Adam's rule (weight decay as an L2 term in the gradient): native/optim/adam.*.
import type { OptimizerKind } from './types';

/** Adam's settings (AdamW's too: they differ only in how weight decay applies). */
const ADAM_SETTINGS = {
  betas: { type: 'pair', default: [0.9, 0.999], min: 0, max: 1, maxExclusive: true, help: 'moment decay rates beta1,beta2' },
  eps: { type: 'number', default: 1e-8, min: 0, help: 'added to the root of the second moment' },
} as const;

const adamHyper = (s: Record<string, unknown>) => {
  const [beta1, beta2] = s.betas as [number, number];
  return { beta1, beta2, eps: s.eps as number };
};

export const ADAM: OptimizerKind = {
  name: 'adam',
  help: 'Adam (weight decay added to the gradient); settings betas=B1,B2, eps=E',
  reads: ['lr', 'weightDecay'],
  defaultLr: 1e-3,
  settings: ADAM_SETTINGS,
  hyper: adamHyper,
  state: ['step', 'exp_avg', 'exp_avg_sq'],
};
