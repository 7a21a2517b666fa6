// A model's outputs as predictions people read: class names with softmax probabilities (top k),
// per-label sigmoid probabilities (bce), or named values (regression); as rows for a CSV file.
import type { InputRecord } from '../data/inputs';
import type { ObjectiveName } from '../objective/registry';

export interface RankedClass {
  index: number;
  /** The class's name (folder name, label value), or its index as text when the data had no names. */
  name: string;
  probability: number;
}

/** One input's prediction. */
export type Prediction =
  | { name: string; kind: 'class'; class: RankedClass; top: RankedClass[] }
  | { name: string; kind: 'labels'; probabilities: Record<string, number> }
  | { name: string; kind: 'values'; values: Record<string, number> };

/** Softmax of each row of an N x K matrix (in float64, the max subtracted first). */
export function softmaxRows(logits: Float32Array, k: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[r * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += out[r * k + j] = Math.exp(logits[r * k + j] - max);
    for (let j = 0; j < k; j++) out[r * k + j] /= sum;
  }
  return out;
}

/** Predictions from logits: what they mean depends on the loss the model trained with. */
export function predictionsOf(logits: Float32Array, outputs: number, names: string[], loss: ObjectiveName, inputs: InputRecord | null, top = 3): Prediction[] {
  const classNames = inputs?.classNames ?? Array.from({ length: outputs }, (_, i) => String(i));
  const targetNames = inputs?.targetNames ?? Array.from({ length: outputs }, (_, i) => `output${i}`);
  if (loss === 'cross-entropy') {
    const p = softmaxRows(logits, outputs);
    const k = Math.min(Math.max(1, top), outputs);
    return names.map((name, r) => {
      const ranked = Array.from({ length: outputs }, (_, j) => ({ index: j, name: classNames[j] ?? String(j), probability: p[r * outputs + j] })).sort((a, b) => b.probability - a.probability || a.index - b.index);
      return { name, kind: 'class', class: ranked[0], top: ranked.slice(0, k) };
    });
  }
  if (loss === 'bce') {
    return names.map((name, r) => ({ name, kind: 'labels', probabilities: Object.fromEntries(targetNames.map((t, j) => [t, 1 / (1 + Math.exp(-logits[r * outputs + j]))])) }));
  }
  return names.map((name, r) => ({ name, kind: 'values', values: Object.fromEntries(targetNames.map((t, j) => [t, logits[r * outputs + j]])) }));
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
function cell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Predictions as CSV text: a header, then one row per input. */
export function predictionsCsv(predictions: Prediction[]): string {
  if (predictions.length === 0) return '';
  const first = predictions[0];
  let header: string[];
  let row: (p: Prediction) => (string | number)[];
  if (first.kind === 'class') {
    const k = first.top.length;
    header = ['name', 'class', 'probability', ...Array.from({ length: k - 1 }, (_, i) => [`class_${i + 2}`, `probability_${i + 2}`]).flat()];
    row = (p) => {
      const c = p as Extract<Prediction, { kind: 'class' }>;
      return [c.name, c.class.name, c.class.probability, ...c.top.slice(1).flatMap((t) => [t.name, t.probability])];
    };
  } else {
    const keys = Object.keys(first.kind === 'labels' ? first.probabilities : first.values);
    header = ['name', ...keys];
    row = (p) => [p.name, ...keys.map((key) => (p.kind === 'labels' ? p.probabilities[key] : p.kind === 'values' ? p.values[key] : NaN))];
  }
  return [header, ...predictions.map(row)].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
