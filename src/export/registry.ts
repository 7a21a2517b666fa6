// Every export format in one table, one file each. A new format (ONNX, ...): its file here and a
// line below; `layerout export --format` and its help follow.
import { ONNX } from './onnx';
import { STATE_DICT } from './state-dict';
import type { Exporter } from './types';

export const EXPORTERS = { 'state-dict': STATE_DICT, onnx: ONNX } as const satisfies Record<string, Exporter>;

export type ExportFormat = keyof typeof EXPORTERS;
export const EXPORT_FORMATS = Object.keys(EXPORTERS) as ExportFormat[];
