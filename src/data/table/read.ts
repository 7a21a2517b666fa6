// Tables (CSV, TSV) as datasets: numeric feature columns become N x 1 x 1 x F float inputs,
// standardised with the training split's mean and std; a label column gives classes (its
// values, as text, become class names) or target columns give float targets (regression).
import { parse } from 'csv-parse/sync';
import { FILE_LIMITS, readRegularText } from '../../io/read';
import type { TableRecord } from '../inputs';
import { sortClassNames } from '../class-names';
import { stratifiedIndices } from '../subset';
import { checkDataset, type DatasetPair, type ImageDataset } from '../types';

export interface TableOptions {
  delimiter: ',' | '\t';
  /** The class column (classification); default 'label' when there is one. */
  label?: string;
  /** Target columns (regression). */
  targets?: string[];
  /** Feature columns; default: every column but the label/targets and an 'id' or 'name' column. */
  features?: string[];
  /** A second file with the same columns: the test set. */
  test?: string;
  testShare: number;
  seed: number;
  /** A trained model's table record: its feature columns and statistics are used (predict --data). */
  like?: TableRecord;
}

/** A parsed table: its header and rows of trimmed cells, and the file line of each row. */
export interface Table {
  file: string;
  header: string[];
  rows: string[][];
  lines: number[];
}

export function readTable(file: string, delimiter: string): Table {
  const text = readRegularText(file, 'table', FILE_LIMITS.metrics);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, bom: true, skip_empty_lines: true, trim: true, info: true, relax_quotes: false }) as unknown as typeof records;
  } catch (e) {
    throw new RangeError(`table ${file}: ${(e as Error).message}`);
  }
  if (records.length < 2) throw new RangeError(`table ${file} has ${records.length ? 'a header but no rows' : 'no header'}; it needs a header row and at least one data row`);
  const header = records[0].record;
  const seen = new Set<string>();
  for (const name of header) {
    if (!name) throw new RangeError(`table ${file}: the header has an empty column name`);
    if (seen.has(name)) throw new RangeError(`table ${file}: column '${name}' appears twice in the header`);
    seen.add(name);
  }
  return { file, header, rows: records.slice(1).map((r) => r.record), lines: records.slice(1).map((r) => r.info.lines) };
}

/** Columns that name rows rather than hold a feature. */
export const ROW_NAME_COLUMNS = ['id', 'name'];

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A cell's number in decimal notation (surrounding blanks allowed), or NaN: nothing else is read as a number. */
export function parseDecimal(text: string): number {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : NaN;
}

/** A cell as a number; an empty or non-numeric cell is an error naming its line and column. */
export function cellNumber(table: Table, row: number, column: number): number {
  const cell = table.rows[row][column];
  const x = parseDecimal(cell);
  if (!Number.isFinite(x)) {
    const what = cell === '' ? 'is empty' : `is '${cell}', not a number`;
    throw new RangeError(`table ${table.file}, line ${table.lines[row]}, column '${table.header[column]}': the value ${what} (feature and target columns must be numbers; missing values are not filled in)`);
  }
  return x;
}

export function columnIndex(table: Table, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new RangeError(`table ${table.file}: no ${role} column '${name}'; its columns are ${table.header.join(', ')}`);
  return i;
}

/** Standardised features of every row: (x - mean) / std, N x F float32. */
export function featureMatrix(table: Table, columns: number[], record: Pick<TableRecord, 'mean' | 'std'>, rows: readonly number[]): Float32Array {
  const f = columns.length;
  const out = new Float32Array(rows.length * f);
  rows.forEach((r, k) => {
    columns.forEach((c, j) => {
      out[k * f + j] = (cellNumber(table, r, c) - record.mean[j]) / record.std[j];
    });
  });
  return out;
}

export function loadTable(file: string, options: TableOptions): DatasetPair {
  const train = readTable(file, options.delimiter);
  const test = options.test ? readTable(options.test, options.delimiter) : null;
  if (test && test.header.join('\0') !== train.header.join('\0')) {
    throw new RangeError(`table ${test.file} has columns ${test.header.join(', ')}; ${file} has ${train.header.join(', ')} (the test file needs the same columns)`);
  }
  const label = options.targets ? undefined : (options.label ?? (train.header.includes('label') ? 'label' : undefined));
  if (!label && !options.targets) throw new RangeError(`table ${file}: name the class column with label=COL (classification) or the target columns with target=COL[,COL...] (regression); its columns are ${train.header.join(', ')}`);
  const outputNames = options.targets ?? [label!];
  const outputColumns = outputNames.map((n) => columnIndex(train, n, options.targets ? 'target' : 'label'));
  // By default every other column is a feature, but for a row name: 'id' or 'name' (predict prints it).
  const featureNames = options.like?.features ?? options.features ?? train.header.filter((h) => !outputNames.includes(h) && !ROW_NAME_COLUMNS.includes(h));
  if (featureNames.length === 0) throw new RangeError(`table ${file}: no feature columns left besides ${outputNames.join(', ')}`);
  const overlap = featureNames.filter((n) => outputNames.includes(n));
  if (overlap.length) throw new RangeError(`table ${file}: column(s) ${overlap.join(', ')} cannot be both a feature and a ${label ? 'label' : 'target'}`);
  const featureColumns = featureNames.map((n) => columnIndex(train, n, 'feature'));

  // Labels (or targets) first: a stratified split needs them.
  let classNames: string[] | undefined;
  let trainLabels: number[] = [];
  if (label) {
    classNames = sortClassNames(new Set(train.rows.map((r) => r[outputColumns[0]])));
    if (classNames.includes('')) {
      const row = train.rows.findIndex((r) => r[outputColumns[0]] === '');
      throw new RangeError(`table ${file}, line ${train.lines[row]}, column '${label}': the label is empty`);
    }
    if (classNames.length < 2) throw new RangeError(`table ${file}: column '${label}' has ${classNames.length} value(s); classification needs at least 2 classes`);
    trainLabels = train.rows.map((r) => classNames!.indexOf(r[outputColumns[0]]));
  }
  const allRows = train.rows.map((_, i) => i);
  const [trainRows, testRows] = test
    ? [allRows, null]
    : stratifiedIndices(label ? trainLabels : null, train.rows.length, classNames?.length ?? 1, options.testShare, options.seed);
  if (trainRows.length === 0 || (testRows && testRows.length === 0)) throw new RangeError(`table ${file}: ${train.rows.length} row(s) are too few to split off a test share of ${options.testShare}; give more rows or test=FILE`);

  // Standardisation from the training rows only.
  const mean = featureColumns.map((c) => trainRows.reduce((s, r) => s + cellNumber(train, r, c), 0) / trainRows.length);
  const std = featureColumns.map((c, j) => {
    const variance = trainRows.reduce((s, r) => s + (cellNumber(train, r, c) - mean[j]) ** 2, 0) / trainRows.length;
    // A constant column carries no information: left centred, not divided by zero.
    return variance > 0 ? Math.sqrt(variance) : 1;
  });
  const record: TableRecord = options.like ? { ...options.like, delimiter: options.delimiter } : { features: featureNames, mean, std, delimiter: options.delimiter };

  const split = (table: Table, rows: readonly number[], name: string): ImageDataset => {
    const f = featureColumns.length;
    const images = featureMatrix(table, featureColumns, record, rows);
    let labels: Int32Array | Float32Array;
    if (label) {
      labels = Int32Array.from(rows, (r) => {
        const y = classNames!.indexOf(table.rows[r][outputColumns[0]]);
        if (y < 0) throw new RangeError(`table ${table.file}, line ${table.lines[r]}, column '${label}': '${table.rows[r][outputColumns[0]]}' is not one of the training classes (${classNames!.join(', ')})`);
        return y;
      });
    } else {
      const t = outputColumns.length;
      labels = new Float32Array(rows.length * t);
      rows.forEach((r, k) => outputColumns.forEach((c, j) => (labels[k * t + j] = cellNumber(table, r, c))));
    }
    return checkDataset({ name, images, labels, shape: [rows.length, 1, 1, f], classes: classNames?.length ?? outputColumns.length }, name);
  };
  const kind = options.delimiter === '\t' ? 'tsv' : 'csv';
  return {
    kind: 'table',
    train: split(train, trainRows, `${kind}/train`),
    test: test ? split(test, test.rows.map((_, i) => i), `${kind}/test`) : split(train, testRows!, `${kind}/test`),
    classes: classNames?.length ?? outputColumns.length,
    inputs: { table: record, ...(classNames ? { classNames } : { targetNames: outputNames }), ...(test ? {} : { split: { seed: options.seed, testShare: options.testShare } }) },
  };
}
