// What an export format declares: its name (`layerout export --format NAME`) and how it turns a
// loaded model into the bytes of one file.
import type { Model } from '../model';

export interface Exporter {
  readonly name: string;
  /** One line for help: what the file is and what opens it. */
  readonly help: string;
  /** The bytes of the exported file. */
  write(model: Model): Promise<Uint8Array>;
}
