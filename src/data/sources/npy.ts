// `npy:X.npy,Y.npy[,XTEST.npy,YTEST.npy]` and `npy:FILE.npz`: arrays saved with NumPy.
//
// X (rows first): (N, F) features become [N,1,1,F]; (N, H, W) images [N,1,H,W]; (N, C, H, W) is
// used as is, except that a uint8 array whose last axis is 1 or 3 and whose axis 1 is not is read
// as NHWC (the usual layout of saved pixels) and transposed. uint8 X is pixels (normalised by the
// model); float32/float64 X is used as it is.
// Y: integers of shape (N,) or (N, 1) are class labels 0..max; floats of shape (N,) or (N, T) are
// T float targets per row (regression). Without a test set, a seeded stratified 20% is held out.
import { isIntegerType, readNpy, readNpz, shapeText, type NpyArray, type NpzArchive } from '../npy';
import { stratifiedSplit } from '../subset';
import { checkDataset, type DatasetPair, type ImageDataset } from '../types';
import type { DataSourceKind } from './types';

/** The share of rows held out as the test set when the data brings none. */
const TEST_SHARE = 0.2;

const FORMS = 'npy:X.npy,Y.npy (a seeded 20% becomes the test set), npy:X.npy,Y.npy,XTEST.npy,YTEST.npy, or npy:FILE.npz';

export const NPY: DataSourceKind = {
  name: 'npy',
  arg: ':X.npy,Y.npy[,XTEST.npy,YTEST.npy] or npy:FILE.npz',
  load: (arg, spec, context) => {
    const files = arg.split(',');
    if (!arg || files.some((f) => !f)) throw new RangeError(`--data ${spec}: expected ${FORMS}`);
    if (files.length === 1) {
      if (files[0].endsWith('.npy')) throw new RangeError(`--data ${spec}: one .npy holds no labels; expected ${FORMS}`);
      return fromNpz(readNpz(files[0]), context.seed);
    }
    if (files.length === 2) return split(readNpy(files[0]), readNpy(files[1]), context.seed);
    if (files.length === 4) return explicit(readNpy(files[0]), readNpy(files[1]), readNpy(files[2]), readNpy(files[3]));
    throw new RangeError(`--data ${spec}: ${files.length} files given; expected ${FORMS}`);
  },
};

const KERAS_MEMBERS = ['x_train', 'y_train', 'x_test', 'y_test'];

/** Keras' four members when any of them is there, else `x` and `y` with a split. */
function fromNpz(npz: NpzArchive, seed: number): DatasetPair {
  const keras = KERAS_MEMBERS.some((m) => npz.members.includes(m));
  const wanted = keras ? KERAS_MEMBERS : ['x', 'y'];
  const missing = wanted.filter((m) => !npz.members.includes(m));
  if (missing.length) {
    throw new RangeError(
      `${npz.file}: missing member(s) ${missing.join(', ')}; members present: ${npz.members.join(', ') || 'none'}. ` +
        `An .npz needs x_train, y_train, x_test, y_test (or x, y)`,
    );
  }
  const [x, y, xt, yt] = wanted.map((m) => npz.read(m));
  return keras ? explicit(x, y, xt, yt) : split(x, y, seed);
}

/** X and Y with no test set: a seeded stratified 20% of the rows is held out. */
function split(x: NpyArray, y: NpyArray, seed: number): DatasetPair {
  const targets = targetsOf(y);
  const rows = rowsOf(x, y);
  const classes = classesOf([targets], y.file);
  const all: ImageDataset = { name: 'npy', ...featuresOf(x, rows), labels: targets.labels, classes };
  const [train, test] = stratifiedSplit(all, TEST_SHARE, seed, ['npy/train', 'npy/test']);
  for (const part of [train, test]) {
    if (part.shape[0] === 0) {
      throw new RangeError(`${x.file}: ${rows} rows are too few to hold out 20% as a test set (${part.name} would be empty); pass one: npy:X.npy,Y.npy,XTEST.npy,YTEST.npy`);
    }
  }
  return { ...pairOf(train, test, classes), inputs: { split: { seed, testShare: TEST_SHARE } } };
}

/** X, Y, X test, Y test. */
function explicit(x: NpyArray, y: NpyArray, xt: NpyArray, yt: NpyArray): DatasetPair {
  const [targets, testTargets] = [targetsOf(y), targetsOf(yt)];
  if (targets.float !== testTargets.float || targets.per !== testTargets.per) {
    throw new RangeError(`${yt.file}: ${describeTargets(testTargets)}, but ${y.file} has ${describeTargets(targets)}; train and test must match`);
  }
  const train = featuresOf(x, rowsOf(x, y));
  const test = featuresOf(xt, rowsOf(xt, yt));
  if (train.images.constructor !== test.images.constructor || train.shape.slice(1).join() !== test.shape.slice(1).join()) {
    throw new RangeError(`${xt.file}: rows of ${xt.type} ${test.shape.slice(1).join('x')}, but ${x.file} has rows of ${x.type} ${train.shape.slice(1).join('x')}; train and test must match`);
  }
  const classes = classesOf([targets, testTargets], y.file);
  return pairOf(
    { name: 'npy/train', ...train, labels: targets.labels, classes },
    { name: 'npy/test', ...test, labels: testTargets.labels, classes },
    classes,
  );
}

function pairOf(train: ImageDataset, test: ImageDataset, classes: number): DatasetPair {
  return { kind: 'npy', train: checkDataset(train, 'npy'), test: checkDataset(test, 'npy'), classes };
}

/** The row count X and Y share; naming both files when they disagree. */
function rowsOf(x: NpyArray, y: NpyArray): number {
  const [nx, ny] = [x.shape[0], y.shape[0]];
  if (nx !== ny) throw new RangeError(`${x.file} has ${nx ?? 0} rows but ${y.file} has ${ny ?? 0}; X and Y need one row per sample`);
  if (!nx) throw new RangeError(`${x.file}: no rows (shape ${shapeText(x.shape)})`);
  return nx;
}

/** X as images [N, C, H, W]: uint8 stays pixels, floats stay values. */
function featuresOf(x: NpyArray, rows: number): Pick<ImageDataset, 'images' | 'shape'> {
  if (x.type !== 'uint8' && x.type !== 'float32' && x.type !== 'float64') {
    throw new RangeError(`${x.file}: X of dtype '${x.descr}' is not supported; save uint8 (pixels) or float32/float64 (values)`);
  }
  const s = x.shape;
  if (s.slice(1).some((d) => d === 0)) throw new RangeError(`${x.file}: shape ${shapeText(s)} has an empty axis`);
  const images = x.data as Uint8Array | Float32Array;
  if (s.length === 2) return { images, shape: [rows, 1, 1, s[1]] };
  if (s.length === 3) return { images, shape: [rows, 1, s[1], s[2]] };
  if (s.length === 4) {
    const [, a, h, c] = s;
    if (x.type === 'uint8' && (c === 1 || c === 3) && a !== 1 && a !== 3) {
      return { images: nhwcToNchw(images as Uint8Array, rows, a, h, c), shape: [rows, c, a, h] };
    }
    return { images, shape: [rows, s[1], s[2], s[3]] };
  }
  throw new RangeError(`${x.file}: X of shape ${shapeText(s)} is not supported; expected (N, F), (N, H, W), (N, C, H, W) or uint8 (N, H, W, C)`);
}

/** Pixels N x H x W x C to N x C x H x W. */
function nhwcToNchw(src: Uint8Array, n: number, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = src[base + p * c + k];
    }
  }
  return out;
}

interface Targets {
  float: boolean;
  /** Float targets per row (1 for class labels). */
  per: number;
  labels: Int32Array | Float32Array;
  /** The largest class label (class labels only). */
  max: number;
  /** Distinct class labels (class labels only). */
  distinct: number;
}

/** Y as class labels (integers) or float targets (floats). */
function targetsOf(y: NpyArray): Targets {
  const s = y.shape;
  const tuple = shapeText(s);
  if (!isIntegerType(y.type)) {
    if (s.length !== 1 && s.length !== 2) throw new RangeError(`${y.file}: float targets of shape ${tuple} are not supported; expected (N,) or (N, T)`);
    const per = s.length === 2 ? s[1] : 1;
    if (per < 1) throw new RangeError(`${y.file}: float targets of shape ${tuple} have no target per row`);
    return { float: true, per, labels: y.data as Float32Array, max: 0, distinct: 0 };
  }
  if (s.length !== 1 && !(s.length === 2 && s[1] === 1)) {
    throw new RangeError(`${y.file}: integer labels of shape ${tuple} are not supported; expected (N,) or (N, 1) (save several targets per row as float32)`);
  }
  const labels = new Int32Array(y.data.length);
  const seen = new Set<number>();
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = y.data[i];
    if (v < 0 || v > 0x7ffffffe) throw new RangeError(`${y.file}: label ${v} at index ${i} is ${v < 0 ? 'negative' : 'too large'}; class labels are 0, 1, 2, ...`);
    labels[i] = v;
    seen.add(v);
    if (v > max) max = v;
  }
  return { float: false, per: 1, labels, max, distinct: seen.size };
}

function describeTargets(t: Targets): string {
  return t.float ? `${t.per} float target(s) per row` : 'integer class labels';
}

/** Classes: the largest label + 1 (at least two present); with float targets, targets per row. */
function classesOf(sets: Targets[], file: string): number {
  if (sets[0].float) return sets[0].per;
  if (sets[0].distinct < 2) throw new RangeError(`${file}: ${sets[0].distinct} distinct class label(s); classification needs at least 2`);
  return Math.max(...sets.map((t) => t.max)) + 1;
}

/** An X array (no labels) as model inputs, shaped as the npy loader shapes training data: for predicting new rows. */
export function npyInputs(x: NpyArray): Pick<ImageDataset, 'images' | 'shape'> & { shape: [number, number, number, number] } {
  if (!x.shape[0]) throw new RangeError(`${x.file}: no rows (shape ${shapeText(x.shape)})`);
  return featuresOf(x, x.shape[0]) as Pick<ImageDataset, 'images' | 'shape'> & { shape: [number, number, number, number] };
}
