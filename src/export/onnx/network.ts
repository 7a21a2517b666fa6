// The layers of a layerout network plan as ONNX nodes, in the forward order of
// native/models/spec_net.cc; BatchNorm in inference form (running statistics), dropout left out.
import type { PlanLayer } from '../../spec/types';
import type { GraphBuilder } from './graph';

/** BatchNorm2d's default epsilon (the addon and PyTorch). */
const BN_EPSILON = 1e-5;

export type Weights = ReadonlyMap<string, { shape: number[]; data: Float32Array }>;

interface Value {
  name: string;
  /** Tensor rank: 4 (N, C, H, W) until a flatten. */
  rank: number;
}

export function emitNetwork(graph: GraphBuilder, layers: readonly PlanLayer[], input: string, weights: Weights): string {
  const used = new Set<string>();
  const weight = (key: string): string => {
    const t = weights.get(key);
    if (!t) throw new Error(`ONNX export: the model has no tensor ${key}`);
    used.add(key);
    return graph.floats(key, t.shape, t.data);
  };
  const out = sequence(graph, layers, { name: input, rank: 4 }, weight);
  const left = [...weights.keys()].filter((k) => !used.has(k));
  if (left.length) throw new Error(`ONNX export: tensors not placed in the graph: ${left.join(', ')}`);
  return out.name;
}

function sequence(graph: GraphBuilder, layers: readonly PlanLayer[], x: Value, weight: (key: string) => string): Value {
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const at = l.path;
    switch (l.type) {
      case 'conv': {
        const next = layers[i + 1];
        x = { name: conv(graph, x.name, l, l.export, weight), rank: 4 };
        if (next?.type === 'batchnorm') {
          x = { name: batchNorm(graph, x.name, next.export, next.path, weight), rank: 4 };
          i++;
        }
        break;
      }
      case 'batchnorm':
        throw new Error(`ONNX export: ${at}: a batchnorm must follow a conv`);
      case 'relu':
        x = { name: graph.node('Relu', [x.name], `${at}/Relu`), rank: x.rank };
        break;
      case 'maxpool':
        x = { name: graph.node('MaxPool', [x.name], `${at}/MaxPool`, { kernel_shape: [l.kernel, l.kernel], strides: [l.stride, l.stride] }), rank: 4 };
        break;
      case 'avgpool':
        x = { name: graph.node('AveragePool', [x.name], `${at}/AveragePool`, { kernel_shape: [l.kernel, l.kernel], strides: [l.stride, l.stride] }), rank: 4 };
        break;
      case 'globalavgpool':
        x = { name: graph.node('GlobalAveragePool', [x.name], `${at}/GlobalAveragePool`), rank: 4 };
        break;
      case 'flatten':
        x = { name: graph.node('Flatten', [x.name], `${at}/Flatten`, { axis: 1 }), rank: 2 };
        break;
      case 'linear':
        x = { name: linear(graph, x, l, weight), rank: x.rank };
        break;
      case 'dropout':
        break; // identity at inference
      case 'residual': {
        const body = sequence(graph, l.body, x, weight);
        const skip = shortcut(graph, x.name, l, weight);
        x = { name: graph.node('Add', [body.name, skip], `${at}/Add`), rank: 4 };
        break;
      }
      default:
        throw new Error(`ONNX export: layer type ${(l as PlanLayer).type} has no ONNX form`);
    }
  }
  return x;
}

function conv(graph: GraphBuilder, x: string, l: PlanLayer, key: string, weight: (key: string) => string, kernel = l.kernel, padding = l.padding, bias = l.bias): string {
  const inputs = [x, weight(`${key}.weight`)];
  if (bias) inputs.push(weight(`${key}.bias`));
  return graph.node('Conv', inputs, `${key}/Conv`, {
    kernel_shape: [kernel, kernel],
    strides: [l.stride, l.stride],
    pads: [padding, padding, padding, padding],
  });
}

function batchNorm(graph: GraphBuilder, x: string, key: string, stem: string, weight: (key: string) => string): string {
  const inputs = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => weight(`${key}.${p}`));
  return graph.node('BatchNormalization', [x, ...inputs], `${stem}/BatchNormalization`, { epsilon: { float: BN_EPSILON } });
}

/** y = x W^T + b as Gemm; specs put a flatten before every linear (src/spec/check.ts), so x is a matrix. */
function linear(graph: GraphBuilder, x: Value, l: PlanLayer, weight: (key: string) => string): string {
  if (x.rank !== 2) throw new Error(`ONNX export: ${l.path}: a linear layer on a ${x.rank}-D input`);
  const w = weight(`${l.export}.weight`);
  const b = l.bias ? weight(`${l.export}.bias`) : null;
  return graph.node('Gemm', b ? [x.name, w, b] : [x.name, w], `${l.export}/Gemm`, { transB: 1 });
}

function shortcut(graph: GraphBuilder, x: string, l: PlanLayer, weight: (key: string) => string): string {
  if (l.shortcut === 'projection') {
    const c = conv(graph, x, l, l.shortcutExport, weight, 1, 0, false);
    return batchNorm(graph, c, l.shortcutBnExport, `${l.path}.shortcut`, weight);
  }
  if (l.shortcut !== 'option-a') return x;
  // Option A: every stride-th pixel, then the new channels as zeros split around the old ones.
  let s = x;
  if (l.stride !== 1) {
    const big = 2 ** 62; // "to the end" for Slice
    s = graph.node('Slice', [x, graph.int64s(`${l.path}/starts`, [0, 0]), graph.int64s(`${l.path}/ends`, [big, big]), graph.int64s(`${l.path}/axes`, [2, 3]), graph.int64s(`${l.path}/steps`, [l.stride, l.stride])], `${l.path}/Slice`);
  }
  const pad = l.out - l.in;
  if (pad <= 0) return s;
  const half = Math.floor(pad / 2);
  return graph.node('Pad', [s, graph.int64s(`${l.path}/pads`, [0, half, 0, 0, 0, pad - half, 0, 0])], `${l.path}/Pad`, { mode: 'constant' });
}
