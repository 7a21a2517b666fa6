// Writes a model in an export format: the file, and its companion where the format has one
// (a state dict's FILE.json), each atomically.
import type { Network } from '../network';
import { writeFileAtomic } from '../run/atomic';
import { describe, requireKnownKeys, requireOneOf } from '../validate';
import { EXPORTERS, EXPORT_FORMATS, type ExportFormat } from './registry';
import type { ExportOptions } from './types';

export interface WriteExportOptions extends ExportOptions {
  /** One of EXPORT_FORMATS; default 'state-dict'. */
  format?: ExportFormat;
}

/** What writeExport wrote: each file's path and size in bytes. */
export interface ExportedFiles {
  files: { path: string; bytes: number }[];
}

/**
 * Writes `model` to `file` in `format` (see EXPORTERS): a state dict with FILE.json beside it, or
 * an ONNX graph. Files are replaced atomically; a failure leaves the old ones as they were.
 */
export async function writeExport(model: Network, file: string, options: WriteExportOptions = {}): Promise<ExportedFiles> {
  if (typeof file !== 'string' || file === '') throw new TypeError(`file must be a non-empty path, got ${describe(file)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`export options must be an object, got ${describe(options)}`);
  requireKnownKeys('export option', options, ['format', 'withPreprocessing']);
  const format = requireOneOf('format', options.format ?? 'state-dict', EXPORT_FORMATS);
  if (options.withPreprocessing !== undefined && typeof options.withPreprocessing !== 'boolean') {
    throw new TypeError(`withPreprocessing must be true or false, got ${describe(options.withPreprocessing)}`);
  }
  const exporter = EXPORTERS[format];
  const bytes = await exporter.write(model, { withPreprocessing: options.withPreprocessing ?? false });
  const companion = exporter.companion?.(model);
  await writeFileAtomic(file, bytes);
  const files = [{ path: file, bytes: bytes.length }];
  if (companion) {
    await writeFileAtomic(file + companion.suffix, companion.bytes);
    files.push({ path: file + companion.suffix, bytes: companion.bytes.length });
  }
  return { files };
}
