// The in-memory form every reader produces: uint8 images and int32 labels.

export interface ImageDataset {
  /** e.g. 'fashion-mnist/train' */
  name: string;
  /** uint8 pixels, N x C x H x W, row-major. */
  images: Uint8Array;
  labels: Int32Array;
  shape: [number, number, number, number];
  classes: number;
}

export interface DatasetPair {
  /** The dataset family, e.g. 'fashion-mnist', 'cifar10' (chooses normalisation and augmentation). */
  kind: string;
  train: ImageDataset;
  test: ImageDataset;
  classes: number;
}

export function sampleSize(shape: readonly number[]): number {
  return shape[1] * shape[2] * shape[3];
}

/** Checks that a dataset is internally consistent; readers call it before returning. */
export function checkDataset(data: ImageDataset): ImageDataset {
  const [n, c, h, w] = data.shape;
  if (data.images.length !== n * c * h * w) {
    throw new RangeError(`${data.name}: ${data.images.length} pixel bytes do not match shape ${data.shape.join('x')}`);
  }
  if (data.labels.length !== n) {
    throw new RangeError(`${data.name}: ${n} images but ${data.labels.length} labels`);
  }
  for (let i = 0; i < n; i++) {
    const y = data.labels[i];
    if (y < 0 || y >= data.classes) {
      throw new RangeError(`${data.name}: label ${y} of sample ${i} is outside 0..${data.classes - 1}`);
    }
  }
  return data;
}

/** Samples i..j of a dataset, or the samples at the given indices. */
export function selectSamples(data: ImageDataset, indices: ArrayLike<number>, name = data.name): ImageDataset {
  const size = sampleSize(data.shape);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(data.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = data.labels[i];
  }
  return { name, images, labels, shape: [indices.length, data.shape[1], data.shape[2], data.shape[3]], classes: data.classes };
}
