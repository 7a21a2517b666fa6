// A small ONNX graph builder: nodes in order, float32/int64 initializers, fresh value names; the
// file is encoded with onnx-proto (the official onnx.proto compiled for protobufjs).
import { onnx } from 'onnx-proto';

/** The opset the exporter writes (BatchNormalization-15, Pad-13 with input pads, Gemm-13). */
export const OPSET = 17;
/** IR version 8: the newest onnx-proto knows, and what opset 17 files carry. */
const IR_VERSION = 8;

/** An int, a list of ints, a string, or `{ float: x }`. */
type Attribute = number | number[] | string | { float: number };

export interface ValueInfo {
  name: string;
  elemType: 'float' | 'uint8';
  /** A number for a fixed size, a string for a named dynamic one ('batch'). */
  dims: (number | string)[];
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A value name not used yet, from a readable stem (`layers.3/Relu`). */
  fresh(stem: string): string {
    let name = stem;
    while (this.names.has(name)) name = `${stem}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node and returns its (single) output's name. */
  node(opType: string, inputs: string[], stem: string, attributes: Record<string, Attribute> = {}): string {
    const output = this.fresh(stem);
    this.nodes.push({
      opType,
      input: inputs,
      output: [output],
      name: output,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** A float32 initializer; `name` is kept as given (the state dict's key), so it must be new. */
  floats(name: string, dims: number[], data: Float32Array): string {
    if (this.names.has(name)) throw new Error(`ONNX export: the tensor name ${name} is used twice`);
    this.names.add(name);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: littleEndian(bytes) });
    return name;
  }

  /** An int64 initializer (shapes, pads, slice bounds). */
  int64s(stem: string, values: number[]): string {
    const name = this.fresh(stem);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  encode(options: { name: string; input: ValueInfo; output: ValueInfo; metadata: Record<string, string>; producerVersion: string; doc: string }): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'layerout',
      producerVersion: options.producerVersion,
      docString: options.doc,
      graph: {
        name: options.name,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(options.input)],
        output: [valueInfo(options.output)],
      },
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

function attribute(name: string, value: Attribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object') return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}

function valueInfo(v: ValueInfo): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.UINT8,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** ONNX raw data is little-endian; so is every machine libtorch runs on here, but say so. */
function littleEndian(bytes: Uint8Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('ONNX export needs a little-endian machine');
  return bytes;
}
