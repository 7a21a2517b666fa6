// VGG-16 with BatchNorm for 3x32x32 input: 13 convs (3x3, padding 1, with bias) each followed by
// BatchNorm and ReLU, 2x2 max-pools after convs 2, 4, 7, 10 and 13, then fc 512->4096, ReLU,
// fc 4096->4096, ReLU, fc 4096->classes; He (fan-out) initialisation throughout.
import type { LayerSpec, NetworkSpec } from '../spec/types';

const WIDTHS = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
const POOL_AFTER = new Set([1, 3, 6, 9, 12]);

export function vgg16Spec(): NetworkSpec {
  const layers: LayerSpec[] = WIDTHS.flatMap((out, i): LayerSpec[] => [
    { type: 'conv', out, kernel: 3, padding: 1, name: `conv${i + 1}`, export: `convs.${i}` },
    { type: 'batchnorm', export: `bns.${i}` },
    { type: 'relu' },
    ...(POOL_AFTER.has(i) ? [{ type: 'maxpool', kernel: 2 } as LayerSpec] : []),
  ]);
  layers.push(
    { type: 'flatten' },
    { type: 'linear', out: 4096, name: 'fc1', export: 'fc1' },
    { type: 'relu' },
    { type: 'linear', out: 4096, name: 'fc2', export: 'fc2' },
    { type: 'relu' },
    { type: 'linear', out: 'classes', name: 'fc3', export: 'fc3' },
  );
  return { name: 'vgg16', input: [3, 32, 32], layers, init: { conv: 'he-fan-out', linear: 'he-fan-out' } };
}
