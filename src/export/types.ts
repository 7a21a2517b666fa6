// What an export format declares: its name (`layerout export --format NAME`) and how it turns a
// loaded model into the bytes of one file.
import type { Network } from '../network';

export interface ExportOptions {
  /**
   * Put what `predict` does to raw inputs in front of the network (ONNX: the graph takes uint8
   * pixels as stored, or a table's raw features). Default false: the input is preprocessed.
   */
  withPreprocessing?: boolean;
}

export interface Exporter {
  readonly name: string;
  /** One line for help: what the file is and what opens it. */
  readonly help: string;
  /** The bytes of the exported file. */
  write(model: Network, options?: ExportOptions): Promise<Uint8Array>;
  /** A second file written beside the first (FILE + suffix), if the format has one. */
  companion?(model: Network): { suffix: string; bytes: Uint8Array };
}
