// What a `--data` kind declares: its name, the argument it takes after the colon, and its loader.
import type { DatasetPair } from '../types';

export interface DataSourceKind {
  readonly name: string;
  /** How help shows the part after `name:` (`[:DIR]`, `:CLASSES:COUNT:CxHxW`); empty: none. */
  readonly arg: string;
  /** Loads the data; `arg` is the text after the first colon ('' when none). RangeErrors say what is wrong. */
  load(arg: string, spec: string): DatasetPair;
}
