// AdamW, torch.optim.AdamW's rule: Adam's settings and state, with decoupled decay (weights shrink
// by lr * weightDecay each step): native/optim/adam.* with decoupled decay.
import { ADAM } from './adam';
import type { OptimizerKind } from './types';

export const ADAMW: OptimizerKind = { ...ADAM, name: 'adamw', help: 'AdamW (decoupled weight decay); settings betas=B1,B2, eps=E' };
