// `--format onnx`: the network as a standard ONNX graph (opset 17) that onnxruntime, the browser
// and inference servers run; dynamic batch, class names in the metadata, optionally the raw-input
// preprocessing of `predict` in front (src/export/onnx/preprocessing.ts).
import type { Network } from '../network';
import { packageVersion } from '../version';
import { GraphBuilder, OPSET, type ValueInfo } from './onnx/graph';
import { emitNetwork } from './onnx/network';
import { emitPreprocessing } from './onnx/preprocessing';
import { outputNames } from './state-dict';
import type { Exporter, ExportOptions } from './types';

export const ONNX: Exporter = {
  name: 'onnx',
  help: `an ONNX graph (opset ${OPSET}) for onnxruntime and other runtimes; --with-preprocessing takes raw uint8 pixels`,
  write: onnxBytes,
};

/** The ONNX file of a built-in or spec network (a TorchScript model is refused with the PyTorch route). */
export async function onnxBytes(model: Network, options: ExportOptions = {}): Promise<Uint8Array> {
  const layers = model.plan;
  if (!layers) {
    throw new RangeError(
      'a TorchScript model cannot be exported to ONNX by layerout: export its module (layerout export RUN --out model.pt), then in PyTorch: ' +
        'torch.onnx.export(torch.jit.load("model.pt"), torch.zeros(1, C, H, W), "model.onnx", opset_version=17, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})',
    );
  }
  const weights = new Map((await model.exportTensors()).map((t) => [t.name, { shape: t.shape, data: t.data }]));
  const graph = new GraphBuilder();
  const [c, h, w] = model.info.inputShape;
  let input: ValueInfo = { name: 'input', elemType: 'float', dims: ['batch', c, h, w] };
  let first = input.name;
  let described: Record<string, string> = { 'layerout.input': `N x ${c} x ${h} x ${w} float32, preprocessed as predict does (normalised, centred)` };
  if (options.withPreprocessing) {
    const prefix = emitPreprocessing(graph, model);
    ({ input } = prefix);
    first = prefix.output;
    described = prefix.describe;
  } else {
    graph.fresh(input.name);
  }
  const last = emitNetwork(graph, layers, first, weights);
  const logits = graph.node('Identity', [last], 'logits');
  const classes = model.info.classes;
  const names = outputNames(model);
  return graph.encode({
    name: model.info.model,
    input,
    output: { name: logits, elemType: 'float', dims: ['batch', classes] },
    producerVersion: packageVersion(),
    doc: `${model.info.model} trained with layerout; output: logits N x ${classes}`,
    metadata: { 'layerout.model': model.info.model, 'layerout.classes': JSON.stringify(names), ...described },
  });
}
