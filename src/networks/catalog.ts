// The built-in networks: one table, each entry a network spec (src/spec) built for the options,
// compiled to the same plan as users' specs. `layerout info` and modelCatalog() list it.
//
// Input sizes: mnist-net is fixed at 1x32x32 (MNIST's 28x28 digits are zero-padded to it, as in
// the paper). The ResNets and vgg16 take any C x H x W (`inputShape`); their default is the
// paper's 3x32x32, at which their parameter counts are the paper's. They end in a global average
// pool, so H and W change no parameter count; another channel count changes only the first conv's
// (resnets: 16 x C x 3 x 3, vgg16: 64 x C x 3 x 3 plus its bias). The mlp takes any input and
// never pads: its data must be exactly its input's size.
import type { NetworkSpec } from '../spec/types';
import type { CatalogEntry } from '../types';
import { requireInteger } from '../validate';
import { mlpSpec } from './mlp';
import { mnistNetSpec } from './mnist-net';
import { CIFAR_INPUT, resnet110BottleneckSpec, resnetSpec } from './resnet';
import { VGG_MIN_SIZE, vgg16Spec } from './vgg';

type Shape = [number, number, number];

export interface BuiltinNetwork extends CatalogEntry {
  /** The network as a spec; `hidden` matters to configurable entries only, `inputShape` to resizable ones. */
  spec(options: { hidden: readonly number[]; inputShape: Shape }): NetworkSpec;
}

const shapeText = (s: readonly number[]) => s.join('x');

/** The largest H and W a resizable convolutional network takes (and the most channels). */
const MAX_SIZE = 1024;
const MAX_CHANNELS = 64;

/** mnist-net: a network of fixed input (the spec ignores `hidden` and `inputShape`). */
const mnistNet: BuiltinNetwork = {
  name: 'mnist-net',
  description: "the paper's MNIST network: 5 unpadded convs, 2 linear",
  inputShape: [1, 32, 32],
  configurable: false,
  resizable: false,
  inputLimits: { channels: [1, 1], size: [32, 32] },
  padsSmallerInput: true,
  input: '1x32x32 (smaller 1-channel images, e.g. 28x28, zero-padded)',
  channelsLastOnCpu: true,
  spec: mnistNetSpec,
};

/** A convolutional network that takes any C x H x W, the paper's 3x32x32 by default. */
const resizable = (name: string, description: string, minSize: number, channelsLastOnCpu: boolean, spec: (input: Shape) => NetworkSpec): BuiltinNetwork => ({
  name,
  description,
  inputShape: [...CIFAR_INPUT],
  configurable: false,
  resizable: true,
  inputLimits: { channels: [1, MAX_CHANNELS], size: [minSize, MAX_SIZE] },
  padsSmallerInput: true,
  input: `any CxHxW${minSize > 8 ? `, H and W at least ${minSize}` : ''} (paper: ${shapeText(CIFAR_INPUT)})`,
  channelsLastOnCpu,
  spec: ({ inputShape }) => spec(inputShape),
});

const resnet = (depth: number) =>
  resizable(`resnet${depth}`, `CIFAR ResNet-${depth} (basic blocks, option-A shortcuts); parameters as the paper's at 3x32x32`, 8, true, (input) => resnetSpec(depth, input));

export const BUILTIN_NETWORKS: readonly BuiltinNetwork[] = [
  mnistNet,
  resizable('vgg16', 'VGG-16 with BatchNorm: 13 convs, a global average pool, 3 linear; parameters as the paper\'s at 3x32x32', VGG_MIN_SIZE, false, vgg16Spec),
  resnet(20),
  resnet(32),
  resnet(44),
  resnet(56),
  resnet(110),
  resizable('resnet110-bottleneck', 'the authors\' "ResNet-110": bottleneck blocks, 18 per stage', 8, true, resnet110BottleneckSpec),
  {
    name: 'mlp',
    description: 'a multilayer perceptron with configurable widths and input shape',
    inputShape: [1, 28, 28],
    configurable: true,
    resizable: true,
    inputLimits: { channels: [1, 4096], size: [1, 4096] },
    padsSmallerInput: false,
    input: 'any CxHxW, exactly the data\'s (default 1x28x28)',
    channelsLastOnCpu: false,
    spec: ({ hidden, inputShape }) => mlpSpec(inputShape, hidden),
  },
];

/**
 * The input a built-in network is built for: `given` checked against the entry (its default when
 * not given). A fixed network refuses any other shape; a resizable one any outside its limits.
 */
export function builtinInputShape(entry: CatalogEntry, given: unknown): Shape {
  if (given === undefined) return [...entry.inputShape];
  if (!Array.isArray(given) || given.length !== 3) throw new TypeError('inputShape must be [channels, height, width]');
  given.forEach((d, i) => requireInteger(`inputShape[${i}]`, d, 1, 4096));
  const shape = given as Shape;
  if (!entry.resizable) {
    if (shape.every((d, i) => d === entry.inputShape[i])) return [...shape];
    const [c] = entry.inputShape;
    const padding = entry.padsSmallerInput ? ` (smaller ${c}-channel images${entry.name === 'mnist-net' ? ', such as 28x28 MNIST digits,' : ''} are zero-padded to it)` : '';
    throw new RangeError(`${entry.name} takes only ${shapeText(entry.inputShape)} input${padding}; got inputShape ${shapeText(shape)}`);
  }
  const { channels: [cMin, cMax], size: [sMin, sMax] } = entry.inputLimits;
  const [c, h, w] = shape;
  if (c < cMin || c > cMax || h < sMin || h > sMax || w < sMin || w > sMax) {
    throw new RangeError(`${entry.name} takes inputShape [C, H, W] with C from ${cMin} to ${cMax} and H, W from ${sMin} to ${sMax}; got ${shapeText(shape)}`);
  }
  return [...shape];
}
