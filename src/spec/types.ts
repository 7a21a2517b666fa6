// The declarative network spec: what users write (JSON file or object), and the checked plan
// the addon builds from.

export type InitName = 'he-fan-out' | 'he-fan-in' | 'xavier';

export type LayerSpec =
  | { type: 'conv'; out: number; kernel: number; stride?: number; padding?: number; bias?: boolean }
  | { type: 'batchnorm' }
  | { type: 'relu' }
  | { type: 'maxpool'; kernel: number; stride?: number }
  | { type: 'avgpool'; kernel: number; stride?: number }
  | { type: 'globalavgpool' }
  | { type: 'flatten' }
  | { type: 'linear'; out: number | 'classes'; bias?: boolean }
  | { type: 'dropout'; p: number }
  | { type: 'residual'; shortcut: 'identity' | 'projection' | 'option-a'; body: LayerSpec[] };

export interface NetworkSpec {
  name: string;
  /** C, H, W of one input sample. */
  input: [number, number, number];
  layers: LayerSpec[];
  /** Weight initialisation; default He (fan-out) for convs and Xavier for linears. */
  init?: { conv?: InitName; linear?: InitName };
}

/** A layer with every size resolved: what the addon receives. */
export interface PlanLayer {
  type: LayerSpec['type'];
  /** Where the layer is in the spec, e.g. `layers.4.body.0`: unit and export names. */
  path: string;
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
