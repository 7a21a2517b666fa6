// Per-epoch records on disk: metrics.jsonl, metrics.csv and summary.json, each written whole.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochRecord, TrainSummary } from '../train';

const CSV_COLUMNS = [
  'epoch',
  'lr',
  'frozenUnits',
  'frozenParamsPct',
  'idealBackwardSaving',
  'trainLoss',
  'trainAcc',
  'testAcc',
  'dataMs',
  'forwardMs',
  'backwardMs',
  'optimizerMs',
  'epochMs',
  'momentumReset',
  'frozen',
] as const;

function csvRow(record: EpochRecord): string {
  return CSV_COLUMNS.map((c) => (c === 'frozen' ? record.frozen.map(Number).join('') : String(record[c]))).join(',');
}

/** Writes `text` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Rewrites the metrics files from all records so far (small; keeps them consistent with the checkpoint). */
export function writeMetrics(dir: string, records: readonly EpochRecord[]): void {
  writeFileAtomic(join(dir, 'metrics.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(join(dir, 'metrics.csv'), [CSV_COLUMNS.join(','), ...records.map(csvRow)].join('\n') + '\n');
}

export function writeSummary(dir: string, summary: TrainSummary): void {
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}
