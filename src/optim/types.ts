// What an optimizer kind declares: its name (the `--optimizer` value and the addon's
// makeOptimizer key), the run options it reads, its own settings (`--optimizer KIND:key=value`),
// how they become the addon's hyper-parameters, and the per-parameter state it keeps.

import type { KindSetting } from '../config/kind-spec';

export type { SettingValue } from '../config/kind-spec';

export interface OptimizerKind {
  readonly name: string;
  /** One line for help and docs. */
  readonly help: string;
  /** The run options its update reads, by their names in src/config/fields.ts (a test checks them). */
  readonly reads: readonly string[];
  /** The learning rate when `lr` is not given. */
  readonly defaultLr: number;
  /** Its settings, by the names the spec text and the API object use. */
  readonly settings: Readonly<Record<string, KindSetting>>;
  /** A combination of settings and run options the update refuses (RangeError text), or null. */
  readonly conflict?: (settings: Readonly<Record<string, unknown>>, options: { momentum?: number }) => string | null;
  /** The addon's hyper-parameters (by name, numbers) from its settings. */
  readonly hyper: (settings: Readonly<Record<string, unknown>>) => Record<string, number>;
  /** Its per-parameter state, by PyTorch's names: checkpoints store it under them. */
  readonly state: readonly string[];
}
