// Augmentation options and the paper's defaults per dataset family.
import type { NativeAugment } from '../native';
import { requireInteger, requireNumber } from '../validate';

export interface AugmentOptions {
  /** Pad each side by this many pixels, then random-crop back (0 = off). */
  cropPad: number;
  /** Random horizontal flip. */
  flip: boolean;
  /** Random-erasing probability (0 = off). */
  eraseP: number;
  /** Per-channel mean on the [0, 1] pixel scale (Fashion-MNIST and MNIST: 0.1307). */
  mean: number[];
  /** Per-channel standard deviation on the [0, 1] pixel scale (Fashion-MNIST and MNIST: 0.3081). */
  std: number[];
}

export const MNIST_STATS = { mean: [0.1307], std: [0.3081] };
export const CIFAR_STATS = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

/** The paper's augmentation per dataset family: MNIST-like get pad+crop, CIFAR adds flip and erasing. */
export function defaultAugment(kind: string, channels: number): AugmentOptions {
  if (kind.startsWith('cifar')) return { cropPad: 4, flip: true, eraseP: 0.5, ...CIFAR_STATS };
  if (kind === 'mnist' || kind === 'mnist-digits' || kind === 'fashion-mnist') {
    return { cropPad: 4, flip: false, eraseP: 0, ...MNIST_STATS };
  }
  return { cropPad: 0, flip: false, eraseP: 0, mean: Array(channels).fill(0.5), std: Array(channels).fill(0.5) };
}

/**
 * Parses `--augment crop[=PAD],flip[=0|1],erase[=P]` (or `none`) on top of a dataset's
 * normalisation: `crop=0`, `flip=0` and `erase=0` turn those off.
 */
export function parseAugmentList(text: string, base: AugmentOptions): AugmentOptions {
  const out: AugmentOptions = { ...base, cropPad: 0, flip: false, eraseP: 0 };
  if (text === 'none') return out;
  const decimal = (key: string, value: string, whole: boolean): number => {
    if (!(whole ? /^\d+$/ : /^(\d+\.?\d*|\.\d+)$/).test(value)) {
      throw new RangeError(`--augment ${key}=${value}: ${key} takes a ${whole ? 'whole' : 'decimal'} number`);
    }
    return Number(value);
  };
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    if (key === 'crop') out.cropPad = value === undefined ? 4 : requireInteger('--augment crop', decimal(key, value, true), 0, 64);
    else if (key === 'flip') {
      if (value !== undefined && value !== '0' && value !== '1') throw new RangeError(`--augment flip=${value}: flip takes 0 or 1`);
      out.flip = value !== '0';
    } else if (key === 'erase') out.eraseP = value === undefined ? 0.5 : requireNumber('--augment erase', decimal(key, value, false), 0, 1);
    else throw new RangeError(`--augment: unknown augmentation '${item}'; allowed: crop[=PAD], flip[=0|1], erase[=P], none`);
  }
  return out;
}

export function checkAugment(a: AugmentOptions, channels: number): NativeAugment {
  requireInteger('augment.cropPad', a.cropPad, 0, 64);
  requireNumber('augment.eraseP', a.eraseP, 0, 1);
  if (a.mean.length !== channels || a.std.length !== channels) {
    throw new RangeError(`augment mean/std need ${channels} entries (one per channel)`);
  }
  a.std.forEach((s, i) => requireNumber(`augment.std[${i}]`, s, 0, Infinity, true));
  return { cropPad: a.cropPad, flip: Boolean(a.flip), eraseP: a.eraseP, mean: a.mean, std: a.std };
}
