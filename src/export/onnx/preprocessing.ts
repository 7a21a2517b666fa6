// `--with-preprocessing`: what `predict` does to raw inputs, as the graph's first nodes, so the
// graph takes the data exactly as it was stored: uint8 pixels N x C x h x w (cast to float,
// centred by zero-padding to the model's input as native/data.cc does, then normalised with
// the run's mean and std), or a table's raw features N x F (standardised, then shaped 1 x 1 x F).
import type { Network } from '../../network';
import type { GraphBuilder, ValueInfo } from './graph';

/** The model input and the graph input that feeds it. */
export interface Prefix {
  input: ValueInfo;
  /** The value the network's first layer reads (N x C x H x W float). */
  output: string;
  /** What the graph input is, for the file's metadata. */
  describe: Record<string, string>;
}

/** The family of the built-in data sets that are stored at 28x28 (Fashion-MNIST, MNIST, the digits). */
const SIZE_28 = ['mnist', 'fashion-mnist', 'mnist-digits'];

/** The height and width the run's raw images had: its decode, the data set's own size, or the model's input. */
export function rawImageSize(model: Network): [number, number] {
  const [, h, w] = model.info.inputShape;
  const image = model.inputs?.image;
  if (image) return [image.height, image.width];
  if (SIZE_28.includes(model.preprocessingKind) && h >= 28 && w >= 28) return [28, 28];
  return [h, w];
}

export function emitPreprocessing(graph: GraphBuilder, model: Network): Prefix {
  const [c, h, w] = model.info.inputShape;
  const table = model.inputs?.table;
  if (table) {
    const f = table.features.length;
    const input: ValueInfo = { name: 'features', elemType: 'float', dims: ['batch', f] };
    graph.fresh(input.name);
    const mean = graph.floats('preprocessing.mean', [f], Float32Array.from(table.mean));
    const std = graph.floats('preprocessing.std', [f], Float32Array.from(table.std));
    const centred = graph.node('Sub', [input.name, mean], 'preprocessing/Sub');
    const scaled = graph.node('Div', [centred, std], 'preprocessing/Div');
    const shaped = graph.node('Reshape', [scaled, graph.int64s('preprocessing/shape', [-1, c, h, w])], 'preprocessing/Reshape');
    return { input, output: shaped, describe: { 'layerout.input': `raw table features N x ${f} (${table.features.join(', ')}), float32; standardised in the graph` } };
  }
  const [rh, rw] = rawImageSize(model);
  const input: ValueInfo = { name: 'pixels', elemType: 'uint8', dims: ['batch', c, rh, rw] };
  graph.fresh(input.name);
  let x = graph.node('Cast', [input.name], 'preprocessing/Cast', { to: 1 /* FLOAT */ });
  const dh = h - rh, dw = w - rw;
  if (dh > 0 || dw > 0) {
    const top = Math.floor(dh / 2), left = Math.floor(dw / 2);
    x = graph.node('Pad', [x, graph.int64s('preprocessing/pads', [0, 0, top, left, 0, 0, dh - top, dw - left])], 'preprocessing/Pad', { mode: 'constant' });
  }
  // The addon's own arithmetic: (x - 255 mean) * (1 / std / 255), in float32.
  const { mean, std } = model.normalisation;
  const scaledMean = graph.floats('preprocessing.mean', [1, c, 1, 1], Float32Array.from(mean, (m) => m * 255));
  const invStd = graph.floats('preprocessing.inv_std', [1, c, 1, 1], Float32Array.from(std, (s) => 1 / s / 255));
  x = graph.node('Sub', [x, scaledMean], 'preprocessing/Sub');
  x = graph.node('Mul', [x, invStd], 'preprocessing/Mul');
  return {
    input,
    output: x,
    describe: {
      'layerout.input': `raw pixels N x ${c} x ${rh} x ${rw}, uint8, as the training data stored them; padded to ${h}x${w} and normalised in the graph`,
      'layerout.mean': JSON.stringify(mean),
      'layerout.std': JSON.stringify(std),
    },
  };
}
