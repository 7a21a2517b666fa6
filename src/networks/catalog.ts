// The built-in networks: one table, each entry a network spec (src/spec) built for the options,
// compiled to the same plan as users' specs. `layerout info` and modelCatalog() list it.
import type { NetworkSpec } from '../spec/types';
import type { CatalogEntry } from '../types';
import { mlpSpec } from './mlp';
import { mnistNetSpec } from './mnist-net';
import { resnet110BottleneckSpec, resnetSpec } from './resnet';
import { vgg16Spec } from './vgg';

export interface BuiltinNetwork extends CatalogEntry {
  /** The network as a spec; `hidden` and `inputShape` matter to configurable entries only. */
  spec(options: { hidden: readonly number[]; inputShape: [number, number, number] }): NetworkSpec;
}

const resnet = (depth: number): BuiltinNetwork => ({
  name: `resnet${depth}`,
  description: `CIFAR ResNet-${depth} (basic blocks, option-A shortcuts)`,
  inputShape: [3, 32, 32],
  configurable: false,
  channelsLastOnCpu: true,
  spec: () => resnetSpec(depth),
});

export const BUILTIN_NETWORKS: readonly BuiltinNetwork[] = [
  {
    name: 'mnist-net',
    description: "the paper's MNIST network: 5 unpadded convs, 2 linear",
    inputShape: [1, 32, 32],
    configurable: false,
    channelsLastOnCpu: true,
    spec: () => mnistNetSpec(),
  },
  {
    name: 'vgg16',
    description: 'VGG-16 with BatchNorm for 32x32 inputs: 13 convs, 3 linear',
    inputShape: [3, 32, 32],
    configurable: false,
    channelsLastOnCpu: false,
    spec: () => vgg16Spec(),
  },
  resnet(20),
  resnet(32),
  resnet(44),
  resnet(56),
  resnet(110),
  {
    name: 'resnet110-bottleneck',
    description: 'the authors\' "ResNet-110": bottleneck blocks, 18 per stage',
    inputShape: [3, 32, 32],
    configurable: false,
    channelsLastOnCpu: true,
    spec: () => resnet110BottleneckSpec(),
  },
  {
    name: 'mlp',
    description: 'a multilayer perceptron with configurable widths and input shape',
    inputShape: [1, 28, 28],
    configurable: true,
    channelsLastOnCpu: false,
    spec: ({ hidden, inputShape }) => mlpSpec(inputShape, hidden),
  },
];
