// A torch.load()-able state dict: every parameter and BatchNorm buffer, keyed by the module names
// of the PyTorch definitions (python/layerout_torch.py), so `net.load_state_dict(torch.load(FILE))`.
// Beside it, FILE.json: the layer plan and the preprocessing, so layerout_torch.load(FILE) rebuilds
// the network (and, when asked, the raw-input preprocessing) in PyTorch without layerout.
import type { Network } from '../network';
import { rawImageSize } from './onnx/preprocessing';
import type { Exporter } from './types';

/** FILE.json beside a state dict: what python/layerout_torch.py reads. */
export interface ExportDescription {
  format: 'layerout-export';
  version: 1;
  model: string;
  classes: number;
  /** Class names (classification), target names (regression), or indices. */
  outputNames: string[];
  inputShape: [number, number, number];
  /** The layer plan (null for a TorchScript module, which is its own description). */
  plan: unknown[] | null;
  preprocessing:
    | { kind: 'pixels'; rawSize: [number, number]; mean: number[]; std: number[] }
    | { kind: 'table'; features: string[]; mean: number[]; std: number[] };
}

/** What each output means: class names, target names (regression), else the indices. */
export function outputNames(model: Network): string[] {
  return model.inputs?.classNames ?? model.inputs?.targetNames ?? Array.from({ length: model.info.classes }, (_, i) => String(i));
}

export function describeExport(model: Network): ExportDescription {
  const table = model.inputs?.table;
  const { mean, std } = model.normalisation;
  const [c, h, w] = model.info.inputShape;
  return {
    format: 'layerout-export',
    version: 1,
    model: model.info.model,
    classes: model.info.classes,
    outputNames: outputNames(model),
    inputShape: [c, h, w],
    plan: model.plan,
    preprocessing: table ? { kind: 'table', features: [...table.features], mean: [...table.mean], std: [...table.std] } : { kind: 'pixels', rawSize: rawImageSize(model), mean, std },
  };
}

export const STATE_DICT: Exporter = {
  name: 'state-dict',
  help: 'a torch.load() state dict (net.load_state_dict(torch.load(FILE))), with FILE.json (layer plan, preprocessing) for layerout_torch.load(FILE)',
  write: (model) => model.stateDict(),
  companion: (model) => ({ suffix: '.json', bytes: new TextEncoder().encode(JSON.stringify(describeExport(model), null, 2) + '\n') }),
};
