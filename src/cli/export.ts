// `layerout export RUN --out FILE [--format F] [--with-preprocessing]`: the trained model as a file of
// one of the export registry's formats (src/export/registry.ts); the default is the torch.load()
// state dict (with FILE.json beside it), the other ONNX.
import { existsSync, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Model, resolveCheckpointPath } from '../model';
import { EXPORTERS, EXPORT_FORMATS, type ExportFormat } from '../export/registry';
import { writeExport } from '../export/write';
import { parseCommand, UsageError, type CommandSpec } from './args';

export const EXPORT_COMMAND: CommandSpec = {
  name: 'export',
  summary: "A run's model as a torch.load() state dict (with FILE.json: plan and preprocessing) or an ONNX graph.",
  options: {
    out: { type: 'string', arg: 'FILE', help: 'the file to write', required: true },
    format: {
      type: 'string',
      arg: 'FORMAT',
      help: EXPORT_FORMATS.map((f) => `${f}: ${EXPORTERS[f].help}`).join('; '),
      choices: EXPORT_FORMATS,
      default: EXPORT_FORMATS[0],
    },
    'with-preprocessing': { type: 'flag', help: "onnx: the graph takes raw inputs as the training data stored them (uint8 pixels N x C x H x W, or a table's raw features) and does predict's preprocessing itself" },
    force: { type: 'flag', help: 'replace FILE (and FILE.json) if it exists' },
  },
  positionals: [{ name: 'RUN', help: 'a run folder, or a checkpoint file', required: true }],
  notes: ['Keys are each layer\'s export name: for the built-in networks those of their PyTorch definitions (convs.0.weight, blocks.3.bns.1.running_var); for your specs the layers\' "export" names, else their places (layers.4.weight). Every parameter and BatchNorm buffer is included. A TorchScript run exports its TorchScript module (ONNX: convert it with torch.onnx.export). The state dict\'s FILE.json holds the layer plan and preprocessing: in Python, layerout_torch.load(FILE) (python/layerout_torch.py in the package) rebuilds the network.'],
};

export async function runExport(argv: string[], out: (line: string) => void): Promise<number> {
  const { options, positional } = parseCommand(argv, EXPORT_COMMAND);
  const file = String(options.out);
  const folder = dirname(file);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--out ${file}: the folder ${folder} does not exist`);
  const format = (options.format as ExportFormat | undefined) ?? EXPORT_FORMATS[0];
  // The state dict's FILE.json is written too: neither may be overwritten unasked.
  for (const target of format === 'state-dict' ? [file, `${file}.json`] : [file]) {
    const existing = lstatOrNull(target);
    if (existing && !options.force) throw new UsageError(`--out ${file}: ${target} exists; add --force to replace it`);
    if (existing && !existing.isFile()) throw new UsageError(`--out ${file}: ${target} exists and is not a regular file; choose another path`);
  }
  const path = resolveCheckpointPath(positional[0]);
  // Real paths: a link to the run folder is the run folder.
  if (resolve(file) === resolve(path) || (existsSync(join(dirname(path), 'run.json')) && realpathSync(dirname(file)) === realpathSync(dirname(path)))) {
    throw new UsageError(`--out ${file} is inside the run folder ${dirname(path)}; export next to it, not into it`);
  }
  const withPreprocessing = Boolean(options['with-preprocessing']);
  if (withPreprocessing && format !== 'onnx') throw new UsageError('--with-preprocessing applies to --format onnx (a state dict\'s FILE.json always carries the preprocessing)');
  const model = await Model.load(path);
  const { files } = await writeExport(model, file, { format, withPreprocessing });
  out(`${file}: ${model.info.model} (${model.info.totalParams.toLocaleString('en-US')} parameters) from ${path}, ${files[0].bytes.toLocaleString('en-US')} bytes${files.length > 1 ? `; ${files.slice(1).map((f) => f.path).join(', ')}` : ''}`);
  return 0;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
