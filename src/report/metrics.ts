// Per-epoch records as text: metrics.jsonl and metrics.csv.
import type { EpochRecord } from '../types';

const CSV_COLUMNS = [
  'epoch',
  'lr',
  'frozenUnits',
  'frozenParamsShare',
  'idealBackwardSavedShare',
  'trainLoss',
  'trainAcc',
  'testAcc',
  'testLoss',
  'trainMae',
  'trainRmse',
  'testMae',
  'testRmse',
  'testR2',
  'testBaselineRmse',
  'valLoss',
  'valAcc',
  'valMae',
  'valRmse',
  'valR2',
  'lastLr',
  'maxGradNorm',
  'clippedSteps',
  'skippedBatches',
  'dataMs',
  'forwardMs',
  'backwardMs',
  'optimizerMs',
  'epochMs',
  'momentumReset',
  'frozenMask',
] as const;

/**
 * The mask as text that spreadsheets and numpy keep a string: 'F' frozen, '.' trainable, per
 * unit in forward order (a bare '0101' would be read as the number 101).
 */
export function maskText(frozen: readonly boolean[]): string {
  return frozen.map((f) => (f ? 'F' : '.')).join('');
}

function csvRow(record: EpochRecord): string {
  // Columns a run does not have (no validation split, one rate per epoch, no clipping) stay empty.
  return CSV_COLUMNS.map((c) => (c === 'frozenMask' ? maskText(record.frozen) : record[c] === undefined ? '' : String(record[c]))).join(',');
}

export function metricsJsonl(records: readonly EpochRecord[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

export function metricsCsv(records: readonly EpochRecord[]): string {
  return [CSV_COLUMNS.join(','), ...records.map(csvRow)].join('\n') + '\n';
}
