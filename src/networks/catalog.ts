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

/** A network of fixed input (the spec ignores `hidden` and `inputShape`). */
const fixed = (name: string, description: string, inputShape: [number, number, number], channelsLastOnCpu: boolean, spec: () => NetworkSpec): BuiltinNetwork => ({
  name,
  description,
  inputShape,
  configurable: false,
  channelsLastOnCpu,
  spec,
});

const resnet = (depth: number) => fixed(`resnet${depth}`, `CIFAR ResNet-${depth} (basic blocks, option-A shortcuts)`, [3, 32, 32], true, () => resnetSpec(depth));

export const BUILTIN_NETWORKS: readonly BuiltinNetwork[] = [
  fixed('mnist-net', "the paper's MNIST network: 5 unpadded convs, 2 linear", [1, 32, 32], true, mnistNetSpec),
  fixed('vgg16', 'VGG-16 with BatchNorm for 32x32 inputs: 13 convs, 3 linear', [3, 32, 32], false, vgg16Spec),
  resnet(20),
  resnet(32),
  resnet(44),
  resnet(56),
  resnet(110),
  fixed('resnet110-bottleneck', 'the authors\' "ResNet-110": bottleneck blocks, 18 per stage', [3, 32, 32], true, resnet110BottleneckSpec),
  {
    name: 'mlp',
    description: 'a multilayer perceptron with configurable widths and input shape',
    inputShape: [1, 28, 28],
    configurable: true,
    channelsLastOnCpu: false,
    spec: ({ hidden, inputShape }) => mlpSpec(inputShape, hidden),
  },
];
