// What a loss (objective) kind declares: its name (the `--loss` value and the addon's
// makeObjective key), its settings, the targets it takes and the metrics it reports.
import type { KindSetting } from '../config/kind-spec';

export interface ObjectiveKind {
  readonly name: string;
  /** One line for help and docs. */
  readonly help: string;
  /** 'class-index': integer labels 0..classes-1 (one output per class); 'float': float targets, N x outputs. */
  readonly target: 'class-index' | 'float';
  /** Float targets: the values they must lie in (bce: probabilities), where the loss needs it. */
  readonly targetRange?: readonly [number, number];
  /** Its settings (`--loss KIND:key=value`), by the names the API object uses. */
  readonly settings: Readonly<Record<string, KindSetting>>;
  /**
   * The metrics a record reports (each as train<Name>, test<Name>, val<Name>), from the addon's
   * metric sums per sample (native/objective.cc) and the outputs per sample.
   */
  readonly metrics: (perSample: readonly number[], outputs: number) => Record<string, number>;
}
