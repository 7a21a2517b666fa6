// Every loss (objective) kind in one table, one file each; the addon's native/objective.cc has the
// matching line. A new loss: its file here, a line below, and its native implementation.
import { BCE } from './bce';
import { CROSS_ENTROPY } from './cross-entropy';
import { HUBER } from './huber';
import { L1 } from './l1';
import { MSE } from './mse';
import type { ObjectiveKind } from './types';

export const OBJECTIVES = { 'cross-entropy': CROSS_ENTROPY, mse: MSE, l1: L1, huber: HUBER, bce: BCE } as const satisfies Record<string, ObjectiveKind>;

export type ObjectiveName = keyof typeof OBJECTIVES;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];
export const DEFAULT_OBJECTIVE: ObjectiveName = 'cross-entropy';
