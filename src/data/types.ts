// Datasets in memory, and the one validated door every dataset passes before a native call.
import { describe } from '../validate';
import type { InputRecord } from './inputs';

/**
 * An image classification dataset, N x C x H x W, row-major.
 *
 * - `images` as a `Uint8Array` holds pixels 0..255: the model normalises them per batch with the
 *   mean/std of the dataset's kind (see `defaultAugment`) and applies the kind's augmentation.
 * - `images` as a `Float32Array` holds values that are already preprocessed: they are used as
 *   they are (no /255, no normalisation); crop, flip and erasing still apply when the
 *   augmentation asks for them (the default for an unknown kind asks for none).
 * - Images smaller than the model's input are centred (zero-padded) at test time and padded
 *   then randomly cropped in training when `cropPad` > 0.
 */
export interface ImageDataset {
  /** e.g. 'fashion-mnist/train' */
  name: string;
  images: Uint8Array | Float32Array;
  /**
   * One label per image, each an integer in [0, classes) (classification); or, as a
   * Float32Array, `classes` float targets per image, N x classes row-major (regression with
   * mse/l1/huber, multi-label with bce).
   */
  labels: Int32Array | Uint8Array | number[] | Float32Array;
  shape: [number, number, number, number];
  /** Classes; with float targets, the targets per image (the model's outputs). */
  classes: number;
}

/** Whether a dataset carries float targets (Float32Array labels) rather than class indices. */
export function hasFloatTargets(data: Pick<ImageDataset, 'labels'>): data is ImageDataset & { labels: Float32Array } {
  return data.labels instanceof Float32Array;
}

/** Where a dataset pair came from, so a run folder can load it again (`--resume`). */
export interface DataSource {
  /** A `--data` spec, e.g. 'fashion-mnist' or 'synthetic:10:256:1x28x28'. */
  spec: string;
  limitTrain?: number;
  limitTest?: number;
  /** The seed of the stratified subsets (--limit-train/--limit-test). */
  seed?: number;
  /** The seed of the test split the loader made (data that came without a test set). */
  splitSeed?: number;
}

export interface DatasetPair {
  /**
   * The dataset family, e.g. 'fashion-mnist', 'cifar10'. It picks the default normalisation and
   * augmentation: MNIST-like kinds pad 4 + random crop with MNIST's mean/std; 'cifar*' adds flip
   * and random erasing with CIFAR's mean/std; any other kind: no augmentation, mean 0.5, std 0.5.
   */
  kind: string;
  train: ImageDataset;
  test: ImageDataset;
  classes: number;
  /** Set by `loadData`/`limitData`; absent for datasets built in memory. */
  source?: DataSource;
  /** Class/target names and how raw files became inputs (image folders, tables); a checkpoint keeps it. */
  inputs?: InputRecord;
  /** How files were read (image folders): decoded or from the cache, and what was skipped. */
  load?: DataLoadReport;
}

export interface DataLoadReport {
  from: 'decoded' | 'cache';
  /** The cache file read or written (absent with cache=off). */
  cacheFile?: string;
  /** Files decoded this time (0 from the cache). */
  decoded: number;
  /** Files left out with skip-unreadable, and why. */
  skipped: { name: string; reason: string }[];
}

/** What the model expects of a dataset (from its info). */
export interface DatasetExpectation {
  channels: number;
  height: number;
  width: number;
  classes: number;
  /**
   * The images must be exactly channels x height x width: the model does not zero-pad smaller
   * ones (the mlp). Otherwise smaller images are padded and only larger ones refused.
   */
  exact?: boolean;
  /** Ends the error when the images do not fit the input (e.g. what input the model takes). */
  note?: string;
}

export function sampleSize(shape: readonly number[]): number {
  return shape[1] * shape[2] * shape[3];
}

/**
 * Checks a dataset completely (types, shape, lengths, every label) and, given what a model
 * expects, that it fits. Errors are TypeError/RangeError naming `where`, the field and numbers.
 */
export function checkDataset<T extends ImageDataset>(data: T, where = 'dataset', expect?: DatasetExpectation): T {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${where} must be an ImageDataset object, got ${describe(data)}`);
  const label = typeof data.name === 'string' && data.name ? `${where} '${data.name}'` : where;
  const { labels, classes } = data;
  const targets = labels instanceof Float32Array;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < (targets ? 1 : 2)) {
    throw new RangeError(`${label}: classes must be an integer of at least ${targets ? '1 (targets per image)' : 2}, got ${describe(classes)}`);
  }
  const [n] = checkImages(data.images, data.shape, label, expect);
  if (targets) {
    if (labels.length !== n * classes) throw new RangeError(`${label}: ${n} images with ${classes} float target(s) each need ${n * classes} values, labels hold ${labels.length}`);
    for (let i = 0; i < labels.length; i++) {
      if (!Number.isFinite(labels[i])) throw new RangeError(`${label}: labels[${i}] is ${labels[i]}; float targets must be finite`);
    }
    if (expect && classes !== expect.classes) throw new RangeError(`${label}: ${classes} target(s) per image but the model has ${expect.classes} output(s)`);
    return data;
  }
  if (!(labels instanceof Int32Array) && !(labels instanceof Uint8Array) && !Array.isArray(labels)) {
    throw new TypeError(`${label}: labels must be an Int32Array, a Uint8Array or an array of integers (class indices), or a Float32Array (float targets), got ${kindOf(labels)}`);
  }
  if (labels.length !== n) throw new RangeError(`${label}: ${n} images but ${labels.length} labels`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 0 || y >= classes) {
      throw new RangeError(`${label}: labels[${i}] is ${typeof y === 'number' ? y : describe(y)}; labels must be integers in [0, ${classes})`);
    }
  }
  if (expect && classes > expect.classes) {
    throw new RangeError(`${label}: ${classes} classes but the model was built for ${expect.classes}`);
  }
  return data;
}

/** Checks images against their shape (and a model's input); returns the shape. */
export function checkImages(
  images: unknown,
  shape: unknown,
  label: string,
  expect?: Omit<DatasetExpectation, 'classes'>,
): [number, number, number, number] {
  if (!(images instanceof Uint8Array) && !(images instanceof Float32Array)) {
    throw new TypeError(`${label}: images must be a Uint8Array (pixels) or a Float32Array (preprocessed values), got ${kindOf(images)}`);
  }
  if (!Array.isArray(shape) || shape.length !== 4) throw new TypeError(`${label}: shape must be [N, C, H, W], got ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new RangeError(`${label}: shape[${i}] must be a positive integer, got ${describe(d)}`);
    }
  });
  const [n, c, h, w] = shape as number[];
  const expected = n * c * h * w;
  if (images.length !== expected) {
    throw new RangeError(`${label}: images hold ${images.length} values but shape ${shape.join('x')} needs ${expected}`);
  }
  if (images instanceof Float32Array) {
    for (let i = 0; i < images.length; i++) {
      if (!Number.isFinite(images[i])) throw new RangeError(`${label}: images[${i}] is ${images[i]}; values must be finite`);
    }
  }
  if (expect) {
    const note = expect.note ? `; ${expect.note}` : '';
    if (c !== expect.channels) throw new RangeError(`${label}: images have ${c} channel(s) but the model expects ${expect.channels}${note}`);
    if (expect.exact && (h !== expect.height || w !== expect.width)) {
      throw new RangeError(`${label}: images are ${c}x${h}x${w} but the model's input is ${expect.channels}x${expect.height}x${expect.width}, and this model does not pad: they must match exactly${note}`);
    }
    if (h > expect.height || w > expect.width) {
      throw new RangeError(`${label}: images are ${h}x${w}, larger than the model's ${expect.height}x${expect.width} input${note}`);
    }
  }
  return [n, c, h, w];
}

function kindOf(value: unknown): string {
  if (ArrayBuffer.isView(value)) return (value as object).constructor.name;
  return describe(value);
}

/** Samples at the given indices, as a new dataset of the same element types. */
export function selectSamples(data: ImageDataset, indices: ArrayLike<number>, name = data.name): ImageDataset {
  const size = sampleSize(data.shape);
  const images = data.images instanceof Float32Array ? new Float32Array(indices.length * size) : new Uint8Array(indices.length * size);
  // Float targets: `classes` values per sample.
  const per = hasFloatTargets(data) ? data.classes : 1;
  const labels = hasFloatTargets(data) ? new Float32Array(indices.length * per) : new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(data.images.subarray(i * size, (i + 1) * size), k * size);
    if (per === 1 && !hasFloatTargets(data)) labels[k] = data.labels[i];
    else labels.set((data.labels as Float32Array).subarray(i * per, (i + 1) * per), k * per);
  }
  return { name, images, labels, shape: [indices.length, data.shape[1], data.shape[2], data.shape[3]], classes: data.classes };
}
