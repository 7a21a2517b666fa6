// What a dataset's raw inputs were and how they became model inputs: class and target names,
// the image decode, a table's columns and standardisation. A checkpoint keeps it so `predict`
// can read new files the way training read its data, and name what it predicts.

/** How image files were decoded (src/data/images). */
export interface ImageDecodeRecord {
  channels: 1 | 3;
  height: number;
  width: number;
  /** 'crop': shorter side resized to fit, centre-cropped; 'pad': longer side fits, centred on black. */
  fit: 'crop' | 'pad';
}

/** How table rows became features (src/data/table). */
export interface TableRecord {
  /** Feature column names, in the order the model reads them. */
  features: string[];
  /** Standardisation from the training split: (x - mean) / std per feature. */
  mean: number[];
  std: number[];
  delimiter: string;
}

export interface InputRecord {
  /** Class names by index (classification): folder names, or a label column's values. */
  classNames?: string[];
  /** Names of the float targets (regression): the target columns. */
  targetNames?: string[];
  image?: ImageDecodeRecord;
  table?: TableRecord;
  /** The seeded split that made the test set, when the data came without one (predict --data and a resume split the same way). */
  split?: { seed: number; testShare: number };
}

/** Checks a record read from a checkpoint (a damaged or hand-made one is named, not trusted). */
export function checkInputRecord(value: unknown, where: string): InputRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: inputs must be an object`);
  const r = value as Record<string, unknown>;
  const strings = (v: unknown, name: string) => {
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) throw new Error(`${where}: inputs.${name} must be an array of strings`);
  };
  strings(r.classNames, 'classNames');
  strings(r.targetNames, 'targetNames');
  if (r.table !== undefined) {
    const t = r.table as TableRecord;
    strings(t.features, 'table.features');
    if (!Array.isArray(t.mean) || !Array.isArray(t.std) || t.mean.length !== t.features.length || t.std.length !== t.features.length) {
      throw new Error(`${where}: inputs.table needs one mean and std per feature`);
    }
  }
  return r as InputRecord;
}

/**
 * What differs between the data a checkpoint was trained on and the data loaded now (class names,
 * image decode, a table's columns and training statistics): a resume on changed data is refused.
 */
export function inputChanges(before: InputRecord | undefined, now: InputRecord | undefined): string[] {
  if (!before || !now) return [];
  const out: string[] = [];
  const list = (v: string[] | undefined) => (v ?? []).join(', ');
  if (before.classNames && now.classNames && list(before.classNames) !== list(now.classNames)) out.push(`classes were ${list(before.classNames)}; the data now has ${list(now.classNames)}`);
  if (before.targetNames && now.targetNames && list(before.targetNames) !== list(now.targetNames)) out.push(`targets were ${list(before.targetNames)}; now ${list(now.targetNames)}`);
  const [a, b] = [before.image, now.image];
  if (a && b && (a.channels !== b.channels || a.height !== b.height || a.width !== b.width || a.fit !== b.fit)) out.push(`images were decoded to ${a.channels}x${a.height}x${a.width} (fit ${a.fit}); now ${b.channels}x${b.height}x${b.width} (fit ${b.fit})`);
  const [p, q] = [before.split, now.split];
  if (p && q && (p.seed !== q.seed || p.testShare !== q.testShare)) out.push(`the test set was split off with seed ${p.seed} (share ${p.testShare}); now with seed ${q.seed} (share ${q.testShare})`);
  const [t, u] = [before.table, now.table];
  if (t && u) {
    if (list(t.features) !== list(u.features)) out.push(`the feature columns were ${list(t.features)}; now ${list(u.features)}`);
    else {
      const moved = t.features.filter((_, j) => t.mean[j] !== u.mean[j] || t.std[j] !== u.std[j]);
      if (moved.length) out.push(`the training split's statistics changed for ${moved.length} column(s) (${moved.slice(0, 3).join(', ')}${moved.length > 3 ? ', ...' : ''}): the table's rows changed`);
    }
  }
  return out;
}
