// `layerout train ...` and `layerout inspect CHECKPOINT`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAugmentList, defaultAugment } from '../data/augment';
import { DATA_SPEC_HELP, limitData, loadDataSpec } from '../data/spec';
import { CHECKPOINT_FILE, Model } from '../model';
import { modelNames, type DeviceName, type ModelName } from '../models';
import { BN_MODES, type BnMode, type TrainSummary } from '../types';
import { parsePolicy, POLICY_HELP } from '../policy';
import { parseSchedule, SCHEDULE_HELP } from '../schedule';
import { train } from '../train';
import { parseCommand, UsageError, type CommandSpec, type OptionDefs, type ParsedOptions } from './args';
import { describePolicyState } from './describe';
import { ProgressReporter, formatDuration } from './progress';

/** A spec parser as an option check: its RangeError becomes one of the usage problems. */
const specCheck = (parse: (text: string) => unknown) => (value: string | number) => void parse(String(value));

// Defaults here are documentation: train() applies the same ones, and options left out stay
// undefined so that --resume can tell given options from the run folder's.
export const TRAIN_OPTIONS: OptionDefs = {
  model: { type: 'string', arg: 'NAME', help: 'model', choices: modelNames, requiredUnless: 'resume' },
  data: { type: 'string', arg: 'SPEC', help: DATA_SPEC_HELP, requiredUnless: 'resume' },
  epochs: { type: 'int', help: 'epochs to train; 0 writes the initial checkpoint', min: 0, requiredUnless: 'resume' },
  classes: { type: 'int', help: "classes (default: the dataset's)", min: 2 },
  policy: { type: 'string', arg: 'SPEC', help: POLICY_HELP, default: 'none', check: specCheck(parsePolicy) },
  batch: { type: 'int', help: 'batch size', min: 1, default: 128 },
  lr: { type: 'number', help: 'base learning rate', min: 0, minExclusive: true, default: 0.01 },
  momentum: { type: 'number', help: 'SGD momentum', min: 0, max: 1, default: 0.9 },
  'weight-decay': { type: 'number', help: 'weight decay', min: 0, default: 5e-4 },
  schedule: { type: 'string', arg: 'SPEC', help: SCHEDULE_HELP, default: 'constant', check: specCheck(parseSchedule) },
  bn: { type: 'string', arg: 'MODE', help: 'BatchNorm of frozen units', choices: BN_MODES, default: 'train' },
  augment: { type: 'string', arg: 'LIST', help: "crop[=PAD],flip,erase[=P] or none (default: the paper's per dataset)" },
  seed: { type: 'int', help: 'run seed', min: 0, max: 2 ** 32 - 1, default: 0 },
  device: { type: 'string', arg: 'DEVICE', help: 'cpu, cuda, cuda:N or auto', default: 'cpu' },
  threads: { type: 'int', help: 'libtorch threads (default: all cores)', min: 1 },
  'limit-train': { type: 'int', help: 'seeded stratified subset of the training set', min: 1 },
  'limit-test': { type: 'int', help: 'seeded stratified subset of the test set', min: 1 },
  out: { type: 'string', arg: 'DIR', help: 'run folder: metrics.jsonl/csv, summary.json, checkpoint' },
  resume: { type: 'string', arg: 'DIR', help: 'continue the run in this folder' },
  json: { type: 'flag', help: 'JSON lines: one per epoch, then {"summary": ...}' },
  quiet: { type: 'flag', help: 'print only the summary' },
};

export const TRAIN_COMMAND: CommandSpec = {
  name: 'train',
  summary: 'Train a model with a freeze policy; with --out, every epoch writes metrics and a checkpoint.',
  options: TRAIN_OPTIONS,
  usage: ['--model NAME --data SPEC --epochs N [options]', '--resume DIR [--epochs N] [--threads N] [--device DEVICE] [--json] [--quiet]'],
  notes: ['--resume DIR continues a run folder with the options it was started with; only --epochs, --threads, --device, --json and --quiet may change. Ctrl-C stops within one batch; the last finished epoch stays in the checkpoint.'],
};

/** Options that may change when resuming; the rest come from the run folder. */
const RESUMABLE = new Set(['resume', 'epochs', 'threads', 'json', 'quiet', 'device']);
const RUN_FILE = 'run.json';

function required(options: ParsedOptions, name: string): string {
  const v = options[name];
  if (v === undefined) throw new UsageError(`--${name} is required (${TRAIN_OPTIONS[name].help})`);
  return String(v);
}

export async function runTrain(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options: given } = parseCommand(argv, TRAIN_COMMAND);
  let options = given;
  if (given.resume !== undefined) {
    const dir = String(given.resume);
    const runFile = join(dir, RUN_FILE);
    if (!existsSync(runFile)) throw new UsageError(`--resume ${dir}: no ${RUN_FILE} there (not a layerout train --out folder)`);
    const bad = Object.keys(given).filter((k) => !RESUMABLE.has(k));
    if (bad.length) throw new UsageError(`--resume takes its options from ${runFile}; only --epochs, --threads, --device, --json, --quiet may be given (not --${bad[0]})`);
    options = { ...JSON.parse(readFileSync(runFile, 'utf8')), ...given, out: dir };
  }
  const model = required(options, 'model') as ModelName;
  const epochs = Number(required(options, 'epochs'));
  const dataSpec = required(options, 'data');
  const seed = (options.seed as number | undefined) ?? 0;
  let data;
  try {
    data = limitData(loadDataSpec(dataSpec), options['limit-train'] as number | undefined, options['limit-test'] as number | undefined, seed);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const channels = data.train.shape[1];
  const augment = options.augment !== undefined ? parseAugmentList(String(options.augment), defaultAugment(data.kind, channels)) : undefined;
  const outDir = options.out as string | undefined;
  if (outDir && given.resume === undefined) {
    if (existsSync(join(outDir, CHECKPOINT_FILE))) {
      throw new UsageError(`--out ${outDir} already holds a run; continue it with --resume ${outDir} or choose another folder`);
    }
  }
  const persisted = Object.fromEntries(Object.entries(options).filter(([k]) => !['resume', 'json', 'quiet', 'out'].includes(k)));
  persisted.classes ??= data.classes; // so `inspect` can rebuild the model without reading the data

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    err('\ninterrupt: stopping within one batch (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const reporter = new ProgressReporter(epochs);
  const json = Boolean(options.json);
  const quiet = Boolean(options.quiet);
  let summary: TrainSummary;
  try {
    ({ summary } = await train({
      model,
      classes: options.classes as number | undefined,
      data,
      policy: (options.policy as string | undefined) ?? 'none',
      epochs,
      batchSize: options.batch as number | undefined,
      lr: options.lr as number | undefined,
      momentum: options.momentum as number | undefined,
      weightDecay: options['weight-decay'] as number | undefined,
      schedule: options.schedule as string | undefined,
      bn: options.bn as BnMode | undefined,
      seed,
      device: options.device as DeviceName | undefined,
      threads: options.threads as number | undefined,
      augment,
      out: outDir,
      resume: given.resume !== undefined,
      signal: controller.signal,
      onStart: ({ model: m, policy, startEpoch }) => {
        if (outDir) writeFileSync(join(outDir, RUN_FILE), JSON.stringify(persisted, null, 2) + '\n');
        if (!json && !quiet) {
          err(`${m.info.model} (${m.info.totalParams.toLocaleString('en-US')} params, ${m.units.length} units) on ${m.info.device}, ` +
            `${data.train.name} ${data.train.shape[0]} / ${data.test.name} ${data.test.shape[0]} samples, policy ${policy.name}` +
            (startEpoch ? `, resuming after epoch ${startEpoch}` : ''));
        }
      },
      onBatch: json || quiet ? undefined : (p) => reporter.batch(p),
      onEpoch: (r) => {
        if (json) out(JSON.stringify(r));
        else if (!quiet) out(reporter.epoch(r));
      },
    }));
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (json) out(JSON.stringify({ summary }));
  else {
    out(`summary: ${summary.epochsDone}/${summary.epochs} epochs, best test ${(100 * summary.bestTestAcc).toFixed(2)}%, final ${(100 * summary.finalTestAcc).toFixed(2)}%, ` +
      `frozen params ${(100 * summary.meanFrozenParamsShareLayerOut).toFixed(1)}% (LayerOut epochs) / ${(100 * summary.meanFrozenParamsShareAll).toFixed(1)}% (all), ` +
      `time ${formatDuration(summary.totalMs)} (backward ${formatDuration(summary.backwardMs)}, batch preparation ${(100 * summary.dataShare).toFixed(1)}%), digest ${summary.digest.slice(0, 16)}`);
  }
  if (summary.interrupted && summary.epochsDone < summary.epochs) {
    if (outDir) err(`interrupted after epoch ${summary.epochsDone}: the checkpoint is in ${outDir}; continue with: layerout train --resume ${outDir}`);
    else err(`interrupted after epoch ${summary.epochsDone} (no --out folder, so nothing was saved)`);
    return 130;
  }
  return 0;
}

export const INSPECT_OPTIONS: OptionDefs = { json: { type: 'flag', help: 'print one JSON object, with the raw policy state' } };

export const INSPECT_COMMAND: CommandSpec = {
  name: 'inspect',
  summary: "A checkpoint's epoch, policy state, model digest and per-unit SHA-256 digests.",
  options: INSPECT_OPTIONS,
  positionals: [{ name: 'CHECKPOINT', help: 'a checkpoint.pt in a layerout train --out folder', required: true }],
};

export async function runInspect(argv: string[], out: (line: string) => void): Promise<number> {
  const { options, positional } = parseCommand(argv, INSPECT_COMMAND);
  const path = positional[0];
  if (!existsSync(path)) throw new UsageError(`no such checkpoint: ${path}`);
  const runFile = join(dirname(path), RUN_FILE);
  if (!existsSync(runFile)) throw new UsageError(`${runFile} is missing: inspect needs the run folder a checkpoint was written in`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as ParsedOptions;
  const model = new Model({ model: run.model as ModelName, classes: run.classes as number, seed: (run.seed as number) ?? 0 });
  const meta = (await model.restore(path)).training ?? { epochsDone: 0, policy: 'none', policyState: null };
  const units = model.units.map((u) => ({ index: u.index, name: u.name, digest: model.unitDigest(u.index) }));
  const report = { checkpoint: path, model: model.info.model, epoch: meta.epochsDone, policy: meta.policy, policyState: meta.policyState, digest: model.digest(), units };
  if (options.json) {
    out(JSON.stringify(report));
    return 0;
  }
  out(`${path}: ${report.model} after epoch ${report.epoch}, policy ${report.policy}`);
  out(`policy state: ${describePolicyState(report.policy, report.policyState)}`);
  out(`model digest: ${report.digest}`);
  for (const u of units) out(`${String(u.index).padStart(4)}  ${u.name.padEnd(24)}${u.digest}`);
  return 0;
}
