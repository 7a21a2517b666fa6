// `layerout export RUN --out FILE [--format F]`: the trained model as a file of one of the export
// registry's formats (src/export/registry.ts); the default is the torch.load() state dict.
import { existsSync, lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Model, resolveCheckpointPath } from '../model';
import { EXPORTERS, EXPORT_FORMATS, type ExportFormat } from '../export/registry';
import { writeFileAtomic } from '../run/atomic';
import { parseCommand, UsageError, type CommandSpec } from './args';

export const EXPORT_COMMAND: CommandSpec = {
  name: 'export',
  summary: "A run's weights as a torch.load() state dict (net.load_state_dict(torch.load(FILE))).",
  options: {
    out: { type: 'string', arg: 'FILE', help: 'the file to write', required: true },
    format: {
      type: 'string',
      arg: 'FORMAT',
      help: EXPORT_FORMATS.map((f) => `${f}: ${EXPORTERS[f].help}`).join('; '),
      choices: EXPORT_FORMATS,
      default: EXPORT_FORMATS[0],
    },
    force: { type: 'flag', help: 'replace FILE if it exists' },
  },
  positionals: [{ name: 'RUN', help: 'a run folder, or a checkpoint file', required: true }],
  notes: ['Keys are each layer\'s export name: for the built-in networks those of their PyTorch definitions (convs.0.weight, blocks.3.bns.1.running_var); for your specs the layers\' "export" names, else their places (layers.4.weight). Every parameter and BatchNorm buffer is included. A TorchScript run exports its TorchScript module.'],
};

export async function runExport(argv: string[], out: (line: string) => void): Promise<number> {
  const { options, positional } = parseCommand(argv, EXPORT_COMMAND);
  const file = String(options.out);
  const folder = dirname(file);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--out ${file}: the folder ${folder} does not exist`);
  const existing = lstatOrNull(file);
  if (existing && !options.force) throw new UsageError(`--out ${file} exists; add --force to replace it`);
  if (existing && !existing.isFile()) throw new UsageError(`--out ${file} exists and is not a regular file; choose another path`);
  const path = resolveCheckpointPath(positional[0]);
  if (resolve(file) === resolve(path) || (existsSync(join(dirname(path), 'run.json')) && resolve(dirname(file)) === resolve(dirname(path)))) {
    throw new UsageError(`--out ${file} is inside the run folder ${dirname(path)}; export next to it, not into it`);
  }
  const model = await Model.load(path);
  const bytes = await EXPORTERS[(options.format as ExportFormat | undefined) ?? EXPORT_FORMATS[0]].write(model);
  await writeFileAtomic(file, bytes);
  out(`${file}: ${model.info.model} (${model.info.totalParams.toLocaleString('en-US')} parameters) from ${path}, ${bytes.length.toLocaleString('en-US')} bytes`);
  return 0;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
