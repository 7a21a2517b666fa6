// CIFAR ResNets, He initialisation (fan-out) throughout, on any C x H x W input (the paper's is
// 3x32x32): they end in a global average pool, so H and W change no parameter, and C only the
// first conv's (16 x C x 3 x 3, no bias). The parameter counts are the paper's at 3 channels.
// - resnetDepth(6n+2): He et al.'s basic blocks (16/32/64 channels, n per stage), option-A
//   shortcuts (subsample, zero-pad the new channels) where the shape changes;
// - the authors' bottleneck "ResNet-110": bottleneck blocks (expansion 4), a 1x1 conv + BatchNorm
//   projection where the shape changes.
// Module names (layer1.0.conv1) and export keys (blocks.0.convs.0) are those of scripts/peer/peer.py.
import type { LayerSpec, NetworkSpec } from '../spec/types';

/** conv (no bias) + BatchNorm, named for block `n` of the peer's definition. */
function convBn(name: string, exportPrefix: string, j: number, out: number, kernel: number, stride: number): LayerSpec[] {
  return [
    { type: 'conv', out, kernel, stride, padding: Math.floor(kernel / 2), bias: false, name, export: `${exportPrefix}convs.${j}` },
    { type: 'batchnorm', export: `${exportPrefix}bns.${j}` },
  ];
}

function cifarResNet(name: string, blocksPerStage: number, bottleneck: boolean, input: readonly [number, number, number]): NetworkSpec {
  const layers: LayerSpec[] = [
    { type: 'conv', out: 16, kernel: 3, padding: 1, bias: false, name: 'conv1', export: 'conv1' },
    { type: 'batchnorm', export: 'bn1' },
    { type: 'relu' },
  ];
  const expansion = bottleneck ? 4 : 1;
  let inChannels = 16;
  let n = 0;
  for (let stage = 0; stage < 3; stage++) {
    const planes = 16 << stage;
    for (let b = 0; b < blocksPerStage; b++, n++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const prefix = `layer${stage + 1}.${b}.`;
      const exportPrefix = `blocks.${n}.`;
      const out = planes * expansion;
      const body: LayerSpec[] = bottleneck
        ? [
            ...convBn(`${prefix}conv1`, exportPrefix, 0, planes, 1, 1),
            { type: 'relu' },
            ...convBn(`${prefix}conv2`, exportPrefix, 1, planes, 3, stride),
            { type: 'relu' },
            ...convBn(`${prefix}conv3`, exportPrefix, 2, out, 1, 1),
          ]
        : [...convBn(`${prefix}conv1`, exportPrefix, 0, planes, 3, stride), { type: 'relu' }, ...convBn(`${prefix}conv2`, exportPrefix, 1, planes, 3, 1)];
      const keepsShape = stride === 1 && inChannels === out;
      layers.push(
        keepsShape
          ? { type: 'residual', shortcut: 'identity', body }
          : bottleneck
            ? { type: 'residual', shortcut: 'projection', body, shortcutName: `${prefix}shortcut`, shortcutExport: `${exportPrefix}short_conv`, shortcutBnExport: `${exportPrefix}short_bn` }
            : { type: 'residual', shortcut: 'option-a', body },
        { type: 'relu' },
      );
      inChannels = out;
    }
  }
  layers.push({ type: 'globalavgpool' }, { type: 'flatten' }, { type: 'linear', out: 'classes', name: 'fc', export: 'fc' });
  return { name, input: [...input], layers, init: { conv: 'he-fan-out', linear: 'he-fan-out' } };
}

/** The paper's input, the ResNets' default. */
export const CIFAR_INPUT: [number, number, number] = [3, 32, 32];

/** resnet20, resnet32, ... : depth 6n+2, on `input` C x H x W (default the paper's 3x32x32). */
export function resnetSpec(depth: number, input: readonly [number, number, number] = CIFAR_INPUT): NetworkSpec {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) throw new RangeError(`resnet depth must be 6n+2 (at least 8), got ${depth}`);
  return cifarResNet(`resnet${depth}`, (depth - 2) / 6, false, input);
}

/** The authors' bottleneck "ResNet-110": 18 bottleneck blocks per stage, on `input` C x H x W. */
export function resnet110BottleneckSpec(input: readonly [number, number, number] = CIFAR_INPUT): NetworkSpec {
  return cifarResNet('resnet110-bottleneck', 18, true, input);
}
