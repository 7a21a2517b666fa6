// Every optimizer kind in one table, one file each; the addon's native/optim/optimizer.cc has the
// matching line. A new optimizer: its file here, a line below, and its native implementation.
import { ADAM } from './adam';
import { ADAMW } from './adamw';
import { SGD } from './sgd';
import type { OptimizerKind } from './types';

export const OPTIMIZERS = { sgd: SGD, adam: ADAM, adamw: ADAMW } as const satisfies Record<string, OptimizerKind>;

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];
export const DEFAULT_OPTIMIZER: OptimizerName = 'sgd';
