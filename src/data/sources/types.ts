// What a `--data` kind declares: its name, the argument it takes after the colon, and its loader.
import type { InputRecord } from '../inputs';
import type { DatasetPair } from '../types';

/** What every loader is told besides its argument. */
export interface DataLoadContext {
  /** Seeds a test split the data does not come with (the run's seed). */
  seed: number;
  /** Progress lines for long loads (decoding image folders); absent: silent. */
  log?: (line: string) => void;
  /**
   * How a trained model read its data (its checkpoint's record): image folders decode with its
   * size, channels and fit, tables standardise with its training statistics, so data read for
   * that model (predict --data) is what the model expects.
   */
  like?: InputRecord | null;
}

export interface DataSourceKind {
  readonly name: string;
  /** How help shows the part after `name:` (`[:DIR]`, `:CLASSES:COUNT:CxHxW`); empty: none. */
  readonly arg: string;
  /**
   * Loads the data; `arg` is the text after the first colon ('' when none). RangeErrors say what
   * is wrong. A kind whose loader returns a Promise (decoding files) can only be loaded by `loadData`.
   */
  load(arg: string, spec: string, context: DataLoadContext): DatasetPair | Promise<DatasetPair>;
  /** True when `load` returns a Promise. */
  readonly async?: boolean;
}
