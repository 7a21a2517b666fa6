// `--data SPEC:classes=5-9` (any kind): only the samples of those classes, relabelled 0..k-1 in
// the order given, in both splits; what a fine-tuning study needs to pretrain on some classes
// and fine-tune on the others.
import { hasFloatTargets, selectSamples, type DatasetPair, type ImageDataset } from './types';

const SUFFIX = /:classes=([^:]+)$/;

/** The spec without its `:classes=LIST` suffix, and the class list (null when there is none). */
export function splitClassSelection(spec: string): { spec: string; classes: string | null } {
  const m = SUFFIX.exec(spec);
  return m ? { spec: spec.slice(0, m.index), classes: m[1] } : { spec, classes: null };
}

/** `0-4`, `5,7,9`, `0-2,8`: the class indices, in order; each at most once. */
export function parseClassList(text: string, classes: number): number[] {
  const out: number[] = [];
  for (const item of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new RangeError(`--data ...:classes=${text}: '${item}' is not a class index or a range A-B`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new RangeError(`--data ...:classes=${text}: the range ${item} is empty`);
    for (let c = from; c <= to; c++) {
      if (c >= classes) throw new RangeError(`--data ...:classes=${text}: class ${c} does not exist (the data has classes 0-${classes - 1})`);
      if (out.includes(c)) throw new RangeError(`--data ...:classes=${text}: class ${c} is named twice`);
      out.push(c);
    }
  }
  if (out.length < 2) throw new RangeError(`--data ...:classes=${text}: a classifier needs at least 2 classes`);
  return out;
}

export function selectClasses(pair: DatasetPair, text: string): DatasetPair {
  if (hasFloatTargets(pair.train)) throw new RangeError(`--data ...:classes=${text} applies to class labels, not float targets`);
  const keep = parseClassList(text, pair.classes);
  const relabel = new Map(keep.map((c, k) => [c, k]));
  const subset = (set: ImageDataset): ImageDataset => {
    const indices: number[] = [];
    for (let i = 0; i < set.shape[0]; i++) if (relabel.has(Number(set.labels[i]))) indices.push(i);
    const picked = selectSamples(set, indices, `${set.name}[classes ${text}]`);
    const labels = picked.labels as Int32Array;
    for (let i = 0; i < labels.length; i++) labels[i] = relabel.get(labels[i])!;
    return { ...picked, classes: keep.length };
  };
  const names = pair.inputs?.classNames;
  return {
    ...pair,
    train: subset(pair.train),
    test: subset(pair.test),
    classes: keep.length,
    inputs: { ...(pair.inputs ?? {}), classNames: keep.map((c) => names?.[c] ?? String(c)) },
  };
}
