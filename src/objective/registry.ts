// Every objective kind in one table, one file each; the addon's native/objective.cc has the
// matching line. A new objective: its file here, a line below, and its native implementation.
import { CROSS_ENTROPY } from './cross-entropy';
import type { ObjectiveKind } from './types';

export const OBJECTIVES = { 'cross-entropy': CROSS_ENTROPY } as const satisfies Record<string, ObjectiveKind>;

export type ObjectiveName = keyof typeof OBJECTIVES;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];
export const DEFAULT_OBJECTIVE: ObjectiveName = 'cross-entropy';
