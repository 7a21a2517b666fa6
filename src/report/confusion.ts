// Accuracy, per-class accuracy and the confusion matrix of logits against labels.

export interface ClassificationReport {
  samples: number;
  accuracy: number;
  /** Per true class: correct / samples of that class (null when the class has no sample). */
  perClass: (number | null)[];
  /** confusion[true][predicted] = count. */
  confusion: number[][];
}

export function classificationReport(logits: Float32Array, labels: ArrayLike<number>, classes: number): ClassificationReport {
  const n = labels.length;
  if (logits.length !== n * classes) throw new RangeError(`${logits.length} logits for ${n} samples of ${classes} classes`);
  const confusion = Array.from({ length: classes }, () => Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    confusion[labels[i]][best]++;
    if (best === labels[i]) correct++;
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((s, v) => s + v, 0);
    return total === 0 ? null : row[c] / total;
  });
  return { samples: n, accuracy: n === 0 ? 0 : correct / n, perClass, confusion };
}

/** The report as text: accuracy, then a confusion matrix with per-class accuracy per row. */
export function formatClassificationReport(r: ClassificationReport): string[] {
  const classes = r.confusion.length;
  const width = Math.max(5, ...r.confusion.flat().map((v) => String(v).length + 1));
  const lines = [`accuracy ${(100 * r.accuracy).toFixed(2)}% on ${r.samples} samples`, '', 'confusion matrix (rows: true class, columns: predicted):'];
  lines.push('true'.padStart(6) + Array.from({ length: classes }, (_, c) => String(c).padStart(width)).join('') + '   accuracy');
  r.confusion.forEach((row, c) => {
    const acc = r.perClass[c] === null ? '—' : `${(100 * (r.perClass[c] as number)).toFixed(1)}%`;
    lines.push(String(c).padStart(6) + row.map((v) => String(v).padStart(width)).join('') + '   ' + acc);
  });
  return lines;
}
