// `csv:FILE` and `tsv:FILE`: tables with numeric feature columns and a label column (classes)
// or target columns (regression); see src/data/table/read.ts.
import { parseShare, splitDataOptions } from '../spec-options';
import { loadTable } from '../table/read';
import type { DataSourceKind } from './types';

const OPTIONS = { label: 'value', target: 'value', features: 'value', test: 'value', 'test-share': 'value' } as const;
const ARG = ':FILE[:label=COL|target=COL,COL2][:features=A,B,...][:test=FILE2][:test-share=F]';

const names = (text: string | undefined, what: string, kind: string): string[] | undefined => {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '')) throw new RangeError(`--data ${kind}: ${what} is a comma-separated list of column names, got '${text}'`);
  if (new Set(list).size !== list.length) throw new RangeError(`--data ${kind}: ${what} names a column twice: '${text}'`);
  return list;
};

function tableKind(name: 'csv' | 'tsv', delimiter: ',' | '\t'): DataSourceKind {
  return {
    name,
    arg: ARG,
    load: (arg, _spec, context) => {
      const { path, options } = splitDataOptions(name, arg, OPTIONS);
      if (!path) throw new RangeError(`--data ${name} needs a file: ${name}:FILE`);
      if (options.has('label') && options.has('target')) throw new RangeError(`--data ${name}: give label=COL (classes) or target=COLS (regression), not both`);
      return loadTable(path, {
        delimiter,
        label: options.get('label'),
        targets: names(options.get('target'), 'target', name),
        features: names(options.get('features'), 'features', name),
        test: options.get('test'),
        testShare: options.has('test-share') ? parseShare(name, 'test-share', options.get('test-share')!) : 0.2,
        seed: context.seed,
        like: context.like?.table,
      });
    },
  };
}

export const CSV = tableKind('csv', ',');
export const TSV = tableKind('tsv', '\t');
