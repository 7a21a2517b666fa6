// What an optimizer kind declares: its name (the `--optimizer` value and the addon's
// makeOptimizer key), the run options it reads and the per-parameter state it keeps.
export interface OptimizerKind {
  readonly name: string;
  /** One line for help and docs. */
  readonly help: string;
  /** The run options its update reads, by their names in src/config/fields.ts (a test checks them). */
  readonly reads: readonly string[];
  /** Its per-parameter state, by PyTorch's names: checkpoints store it under them. */
  readonly state: readonly string[];
}
