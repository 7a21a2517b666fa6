// AdamW, torch.optim.AdamW's rule (decoupled decay: weights shrink by lr * weightDecay each
// step): native/optim/adam.* with decoupled decay.
import { ADAM_SETTINGS, adamHyper } from './adam';
import type { OptimizerKind } from './types';

export const ADAMW: OptimizerKind = {
  name: 'adamw',
  help: 'AdamW (decoupled weight decay); settings betas=B1,B2, eps=E',
  reads: ['lr', 'weightDecay'],
  defaultLr: 1e-3,
  settings: ADAM_SETTINGS,
  hyper: adamHyper,
  state: ['step', 'exp_avg', 'exp_avg_sq'],
};
