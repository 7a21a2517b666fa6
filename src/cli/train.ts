// `layerout train ...` and `layerout inspect CHECKPOINT`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAugmentList, defaultAugment } from '../data/augment';
import { DATA_SPEC_HELP, limitData, loadDataSpec } from '../data/spec';
import { BN_MODES, Model } from '../model';
import { MODEL_NAMES, type DeviceName, type ModelName } from '../models';
import type { BnMode } from '../native';
import { parsePolicy, POLICY_HELP } from '../policy';
import { parseSchedule, SCHEDULE_HELP } from '../schedule';
import { CHECKPOINT_FILE, train, type TrainSummary } from '../train';
import { parseArgs, UsageError, type OptionDefs, type ParsedOptions } from './args';
import { ProgressReporter, formatDuration } from './progress';

export const TRAIN_OPTIONS: OptionDefs = {
  model: { type: 'string', help: MODEL_NAMES.join(', '), choices: MODEL_NAMES },
  classes: { type: 'int', help: 'classes (default: the dataset\'s)', min: 2 },
  data: { type: 'string', help: DATA_SPEC_HELP },
  policy: { type: 'string', help: POLICY_HELP },
  epochs: { type: 'int', help: 'epochs to train (0 writes the initial checkpoint)', min: 0 },
  batch: { type: 'int', help: 'batch size (default 128)', min: 1 },
  lr: { type: 'number', help: 'base learning rate (default 0.01)', min: 0 },
  momentum: { type: 'number', help: 'SGD momentum (default 0.9)', min: 0 },
  'weight-decay': { type: 'number', help: 'weight decay (default 5e-4)', min: 0 },
  schedule: { type: 'string', help: SCHEDULE_HELP },
  bn: { type: 'string', help: 'BatchNorm of frozen units: train, freeze-affine, freeze', choices: BN_MODES },
  augment: { type: 'string', help: 'crop[=PAD],flip,erase[=P] or none (default: the paper\'s per dataset)' },
  seed: { type: 'int', help: 'run seed (default 0)', min: 0 },
  device: { type: 'string', help: 'cpu, cuda, cuda:N or auto' },
  threads: { type: 'int', help: 'libtorch threads (default: all cores)', min: 1 },
  'limit-train': { type: 'int', help: 'seeded stratified subset of the training set', min: 1 },
  'limit-test': { type: 'int', help: 'seeded stratified subset of the test set', min: 1 },
  out: { type: 'string', help: 'run folder: metrics.jsonl/csv, summary.json, checkpoint' },
  resume: { type: 'string', help: 'continue the run in this folder' },
  json: { type: 'flag', help: 'JSON lines: one per epoch, then {"summary": ...}' },
  quiet: { type: 'flag', help: 'print only the summary' },
};

/** Options that may change when resuming; the rest come from the run folder. */
const RESUMABLE = new Set(['resume', 'epochs', 'threads', 'json', 'quiet', 'device']);
const RUN_FILE = 'run.json';

function required(options: ParsedOptions, name: string): string {
  const v = options[name];
  if (v === undefined) throw new UsageError(`--${name} is required (${TRAIN_OPTIONS[name].help})`);
  return String(v);
}

function checkSpecs(options: ParsedOptions): void {
  try {
    if (options.policy !== undefined) parsePolicy(String(options.policy));
    if (options.schedule !== undefined) parseSchedule(String(options.schedule));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function runTrain(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options: given, positional } = parseArgs(argv, TRAIN_OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  let options = given;
  if (given.resume !== undefined) {
    const dir = String(given.resume);
    const runFile = join(dir, RUN_FILE);
    if (!existsSync(runFile)) throw new UsageError(`--resume ${dir}: no ${RUN_FILE} there (not a layerout train --out folder)`);
    const bad = Object.keys(given).filter((k) => !RESUMABLE.has(k));
    if (bad.length) throw new UsageError(`--resume takes its options from ${runFile}; only --epochs, --threads, --device, --json, --quiet may be given (not --${bad[0]})`);
    options = { ...JSON.parse(readFileSync(runFile, 'utf8')), ...given, out: dir };
  }
  checkSpecs(options);
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
    summary = await train({
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
      config: persisted,
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
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (json) out(JSON.stringify({ summary }));
  else {
    out(`summary: ${summary.epochsDone}/${summary.epochs} epochs, best test ${(100 * summary.bestTestAcc).toFixed(2)}%, final ${(100 * summary.finalTestAcc).toFixed(2)}%, ` +
      `frozen params ${summary.meanFrozenParamsPctLayerOut.toFixed(1)}% (LayerOut epochs) / ${summary.meanFrozenParamsPctAll.toFixed(1)}% (all), ` +
      `time ${formatDuration(summary.totalMs)} (backward ${formatDuration(summary.backwardMs)}, batch preparation ${(100 * summary.dataShare).toFixed(1)}%), digest ${summary.digest.slice(0, 16)}`);
  }
  if (summary.interrupted && summary.epochsDone < summary.epochs) {
    if (outDir) err(`interrupted after epoch ${summary.epochsDone}: the checkpoint is in ${outDir}; continue with: layerout train --resume ${outDir}`);
    else err(`interrupted after epoch ${summary.epochsDone} (no --out folder, so nothing was saved)`);
    return 130;
  }
  return 0;
}

export const INSPECT_OPTIONS: OptionDefs = { json: { type: 'flag', help: 'print one JSON object' } };

export async function runInspect(argv: string[], out: (line: string) => void): Promise<number> {
  const { options, positional } = parseArgs(argv, INSPECT_OPTIONS);
  const path = positional[0];
  if (!path || positional.length > 1) throw new UsageError('usage: layerout inspect CHECKPOINT [--json]');
  if (!existsSync(path)) throw new UsageError(`no such checkpoint: ${path}`);
  const runFile = join(dirname(path), RUN_FILE);
  if (!existsSync(runFile)) throw new UsageError(`${runFile} is missing: inspect needs the run folder a checkpoint was written in`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as ParsedOptions;
  const model = new Model({ model: run.model as ModelName, classes: run.classes as number, seed: (run.seed as number) ?? 0 });
  const meta = (await model.load(path)) as { epochsDone: number; policy: string; policyState: unknown };
  const units = model.units.map((u) => ({ index: u.index, name: u.name, digest: model.unitDigest(u.index) }));
  const report = { checkpoint: path, model: model.info.model, epoch: meta.epochsDone, policy: meta.policy, policyState: meta.policyState, digest: model.digest(), units };
  if (options.json) {
    out(JSON.stringify(report));
    return 0;
  }
  out(`${path}: ${report.model} after epoch ${report.epoch}, policy ${report.policy}`);
  out(`policy state: ${JSON.stringify(report.policyState).slice(0, 200)}`);
  out(`model digest: ${report.digest}`);
  for (const u of units) out(`${String(u.index).padStart(4)}  ${u.name.padEnd(24)}${u.digest}`);
  return 0;
}
