// What an objective kind declares: its name (the `--objective` value and the addon's
// makeObjective key), the targets it takes and the metric it reports.
export interface ObjectiveKind {
  readonly name: string;
  /** One line for help and docs. */
  readonly help: string;
  /** 'class-index': integer labels 0..classes-1 (the output is one logit per class). */
  readonly target: 'class-index';
  /** What the metric sum counts, as records name it ('acc': the share of correct predictions). */
  readonly metric: 'acc';
}
