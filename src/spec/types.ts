// The declarative network spec: what users write (JSON file or object), and the checked plan
// the addon builds from.

export type InitName = 'he-fan-out' | 'he-fan-in' | 'xavier';

/**
 * Optional names of a conv or linear layer: `name` is its module (and freeze unit) name, `export`
 * its key in exported state dicts; both default to the layer's place (`layers.4`). The built-in
 * networks use them to keep the names of their PyTorch definitions.
 */
export interface LayerNames {
  name?: string;
  export?: string;
}

export type LayerSpec =
  | ({ type: 'conv'; out: number; kernel: number; stride?: number; padding?: number; bias?: boolean } & LayerNames)
  | { type: 'batchnorm'; export?: string }
  | { type: 'relu' }
  | { type: 'maxpool'; kernel: number; stride?: number }
  | { type: 'avgpool'; kernel: number; stride?: number }
  | { type: 'globalavgpool' }
  | { type: 'flatten' }
  | ({ type: 'linear'; out: number | 'classes'; bias?: boolean } & LayerNames)
  | { type: 'dropout'; p: number }
  | {
      type: 'residual';
      shortcut: 'identity' | 'projection' | 'option-a';
      body: readonly LayerSpec[];
      /** A projection's module name and the export keys of its conv and BatchNorm (default `<place>.shortcut.0` / `.1`). */
      shortcutName?: string;
      shortcutExport?: string;
      shortcutBnExport?: string;
    };

/**
 * A network as layers (a JSON file or an object). Arrays may be readonly, so a spec kept in a
 * variable type-checks with `as const` or `satisfies NetworkSpec`.
 */
export interface NetworkSpec {
  name: string;
  /** C, H, W of one input sample. */
  input: readonly [number, number, number];
  layers: readonly LayerSpec[];
  /** Weight initialisation; default He (fan-out) for convs and Xavier for linears. */
  init?: { conv?: InitName; linear?: InitName };
}

/** A layer with every size resolved: what the addon receives. */
export interface PlanLayer {
  type: LayerSpec['type'];
  /** Where the layer is in the spec, e.g. `layers.4.body.0`. */
  path: string;
  /** Module and unit name (conv, linear; a residual's projection: shortcutName). */
  name: string;
  /** Export key (conv, linear, batchnorm). */
  export: string;
  /** A residual's projection: module name and the export keys of its conv and BatchNorm. */
  shortcutName: string;
  shortcutExport: string;
  shortcutBnExport: string;
  in: number;
  out: number;
  kernel: number;
  stride: number;
  padding: number;
  bias: boolean;
  p: number;
  shortcut: string;
  body: PlanLayer[];
}

export interface NetworkPlan {
  name: string;
  inputShape: [number, number, number];
  classes: number;
  convInit: InitName;
  linearInit: InitName;
  layers: PlanLayer[];
}
