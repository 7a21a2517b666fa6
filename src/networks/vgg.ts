// VGG-16 with BatchNorm: 13 convs (3x3, padding 1, with bias) each followed by BatchNorm and ReLU,
// 2x2 max-pools after convs 2, 4, 7, 10 and 13, a global average pool, then fc 512->4096, ReLU,
// fc 4096->4096, ReLU, fc 4096->classes; He (fan-out) initialisation throughout.
// The paper's input is 3x32x32, where the last pool leaves 512x1x1 and the global average pool is
// the identity (same numbers, same parameters as without it). It makes any C x H x W with H and W
// of at least 32 work: H and W change no parameter, C only the first conv's (64 x C x 3 x 3).
import type { LayerSpec, NetworkSpec } from '../spec/types';

const WIDTHS = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
const POOL_AFTER = new Set([1, 3, 6, 9, 12]);

/** Five 2x2 max-pools: H and W must be at least 32. */
export const VGG_MIN_SIZE = 32;

export function vgg16Spec(input: readonly [number, number, number] = [3, 32, 32]): NetworkSpec {
  const layers: LayerSpec[] = WIDTHS.flatMap((out, i): LayerSpec[] => [
    { type: 'conv', out, kernel: 3, padding: 1, name: `conv${i + 1}`, export: `convs.${i}` },
    { type: 'batchnorm', export: `bns.${i}` },
    { type: 'relu' },
    ...(POOL_AFTER.has(i) ? [{ type: 'maxpool', kernel: 2 } as LayerSpec] : []),
  ]);
  layers.push(
    { type: 'globalavgpool' },
    { type: 'flatten' },
    { type: 'linear', out: 4096, name: 'fc1', export: 'fc1' },
    { type: 'relu' },
    { type: 'linear', out: 4096, name: 'fc2', export: 'fc2' },
    { type: 'relu' },
    { type: 'linear', out: 'classes', name: 'fc3', export: 'fc3' },
  );
  return { name: 'vgg16', input: [...input], layers, init: { conv: 'he-fan-out', linear: 'he-fan-out' } };
}
