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

/** The run options some optimizer reads (lr, momentum, weightDecay). */
export const OPTIMIZER_OPTIONS: readonly string[] = [...new Set(OPTIMIZER_NAMES.flatMap((k) => OPTIMIZERS[k].reads))];

/** Whether a run option is one that optimizers read but this kind does not (adam: momentum): such an option is not given, shown or saved for it. */
export function unreadBy(kind: OptimizerName, option: string): boolean {
  return OPTIMIZER_OPTIONS.includes(option) && !(OPTIMIZERS[kind].reads as readonly string[]).includes(option);
}
