// The paper's MNIST network on 1x32x32 input: five unpadded 3x3 convs (strides 1, 2, 1, 2, 1),
// fc 288->1024, fc 1024->classes, ReLU after every layer but the last; Xavier initialisation.
// Module names and export keys are those of the PyTorch definition (scripts/peer/peer.py).
import type { LayerSpec, NetworkSpec } from '../spec/types';

export function mnistNetSpec(): NetworkSpec {
  const widths = [32, 64, 128, 64, 32];
  const strides = [1, 2, 1, 2, 1];
  const layers: LayerSpec[] = widths.flatMap((out, i): LayerSpec[] => [
    { type: 'conv', out, kernel: 3, stride: strides[i], name: `conv${i + 1}`, export: `convs.${i}` },
    { type: 'relu' },
  ]);
  layers.push(
    { type: 'flatten' },
    { type: 'linear', out: 1024, name: 'fc1', export: 'fc1' },
    { type: 'relu' },
    { type: 'linear', out: 'classes', name: 'fc2', export: 'fc2' },
  );
  return { name: 'mnist-net', input: [1, 32, 32], layers, init: { conv: 'xavier', linear: 'xavier' } };
}
