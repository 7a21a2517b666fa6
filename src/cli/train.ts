// `layerout train ...`: a new run, or `--resume DIR` continuing one from its run folder.
import { defaultAugment, parseAugmentList } from '../data/augment';
import { DATA_SPEC_HELP, limitData, loadDataSpec } from '../data/spec';
import type { DatasetPair } from '../data/types';
import type { DeviceName } from '../models';
import { parsePolicy, POLICY_HELP } from '../policy';
import { resumeOptions } from '../run/resume';
import { parseSchedule, SCHEDULE_HELP } from '../schedule';
import { train, type TrainOptions } from '../train';
import { BN_MODES, NON_FINITE_ACTIONS, type BnMode, type NonFiniteAction, type TrainSummary } from '../types';
import { onInterrupt } from './interrupt';
import { parseCommand, UsageError, type CommandSpec, type OptionDefs, type ParsedOptions } from './args';
import { modelOption, resolveModelArg } from './model-arg';
import { ProgressReporter, formatDuration } from './progress';

/** A spec parser as an option check: its RangeError becomes one of the usage problems. */
const specCheck = (parse: (text: string) => unknown) => (value: string | number) => void parse(String(value));

// Defaults here are documentation: train() applies the same ones, and options left out stay
// undefined so that --resume can tell given options from the run folder's.
export const TRAIN_OPTIONS: OptionDefs = {
  model: modelOption({ requiredUnless: 'resume' }),
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
  'channels-last': { type: 'flag', help: 'conv weights and inputs in channels-last memory format (faster on CPU; docs/cpu-profile.md)' },
  'limit-train': { type: 'int', help: 'seeded stratified subset of the training set', min: 1 },
  'limit-test': { type: 'int', help: 'seeded stratified subset of the test set', min: 1 },
  out: { type: 'string', arg: 'DIR', help: 'run folder: run.json, checkpoint, metrics.jsonl/csv, summary.json' },
  resume: { type: 'string', arg: 'DIR', help: 'continue the run in this folder' },
  force: { type: 'flag', help: 'with --out: replace the run that folder holds' },
  json: { type: 'flag', help: 'JSON lines: one per epoch, then {"summary": ...}' },
  quiet: { type: 'flag', help: 'print only the summary' },
  'on-nonfinite': {
    type: 'string',
    arg: 'ACTION',
    help: 'a batch with a NaN or infinite loss: stop the run (exit 3), skip-batch, or continue',
    choices: NON_FINITE_ACTIONS,
    default: 'stop',
  },
};

export const TRAIN_COMMAND: CommandSpec = {
  name: 'train',
  summary: 'Train a model with a freeze policy; with --out, every epoch writes metrics and a checkpoint.',
  options: TRAIN_OPTIONS,
  usage: ['--model NAME --data SPEC --epochs N [options]', '--resume DIR [--epochs N] [--threads N] [--device DEVICE] [--json] [--quiet]'],
  notes: [
    '--resume DIR continues a run folder with the options it was started with; only --epochs, --threads, --device, --json and --quiet may change (and --data, for runs made through the API on data built in memory). Ctrl-C stops within one batch; the last finished epoch stays in the checkpoint.',
    'Exit codes: 0 done, 1 error, 2 bad options, 3 stopped by a non-finite loss (the checkpoint keeps the last finite state), 130 interrupted.',
  ],
};

/** Options that may change when resuming; the rest come from the run folder. */
const RESUMABLE = new Set(['resume', 'epochs', 'threads', 'json', 'quiet', 'device', 'data']);

/** Exit code of a run stopped by a non-finite loss. */
export const EXIT_NON_FINITE = 3;

/** A `--data` spec and its limits, with the library's RangeErrors turned into usage errors. */
export function loadCliData(spec: string, limitTrain: number | undefined, limitTest: number | undefined, seed: number): DatasetPair {
  try {
    return limitData(loadDataSpec(spec), limitTrain, limitTest, seed);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/** train() options from the command line (a new run, or one resumed from its folder). */
function trainOptions(given: ParsedOptions): TrainOptions {
  if (given.resume !== undefined) {
    const dir = String(given.resume);
    const bad = Object.keys(given).filter((k) => !RESUMABLE.has(k));
    if (bad.length) {
      throw new UsageError(`--resume takes its options from ${dir}/run.json; only --epochs, --threads, --device, --json, --quiet may be given (not --${bad.join(', --')})`);
    }
    const data = given.data !== undefined ? loadCliData(String(given.data), undefined, undefined, 0) : undefined;
    return resumeOptions(dir, {
      epochs: given.epochs as number | undefined,
      threads: given.threads as number | undefined,
      device: given.device as DeviceName | undefined,
      data,
    });
  }
  const seed = (given.seed as number | undefined) ?? 0;
  const data = loadCliData(String(given.data), given['limit-train'] as number | undefined, given['limit-test'] as number | undefined, seed);
  const augment = given.augment !== undefined ? parseAugmentCli(String(given.augment), data) : undefined;
  return {
    model: resolveModelArg(String(given.model)),
    classes: given.classes as number | undefined,
    data,
    policy: (given.policy as string | undefined) ?? 'none',
    epochs: Number(given.epochs),
    batchSize: given.batch as number | undefined,
    lr: given.lr as number | undefined,
    momentum: given.momentum as number | undefined,
    weightDecay: given['weight-decay'] as number | undefined,
    schedule: given.schedule as string | undefined,
    bn: given.bn as BnMode | undefined,
    seed,
    device: given.device as DeviceName | undefined,
    threads: given.threads as number | undefined,
    channelsLast: Boolean(given['channels-last']),
    augment,
    onNonFinite: given['on-nonfinite'] as NonFiniteAction | undefined,
    out: given.out as string | undefined,
    force: Boolean(given.force),
  };
}

function parseAugmentCli(text: string, data: DatasetPair) {
  try {
    return parseAugmentList(text, defaultAugment(data.kind, data.train.shape[1]));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function runTrain(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options: given } = parseCommand(argv, TRAIN_COMMAND);
  const options = trainOptions(given);
  const outDir = options.out;
  const epochs = options.epochs;

  const interrupt = onInterrupt(err);
  const reporter = new ProgressReporter(epochs);
  const json = Boolean(given.json);
  const quiet = Boolean(given.quiet);
  const { data } = options;
  let summary: TrainSummary;
  try {
    ({ summary } = await train({
      ...options,
      signal: interrupt.signal,
      onNotice: (message) => err(message),
      onStart: ({ model: m, policy, startEpoch }) => {
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
    interrupt.dispose();
  }
  if (json) out(JSON.stringify({ summary }));
  else {
    out(`summary: ${summary.epochsDone}/${summary.epochs} epochs, best test ${(100 * summary.bestTestAcc).toFixed(2)}%, final ${(100 * summary.finalTestAcc).toFixed(2)}%, ` +
      `frozen params ${(100 * summary.meanFrozenParamsShareLayerOut).toFixed(1)}% (LayerOut epochs) / ${(100 * summary.meanFrozenParamsShareAll).toFixed(1)}% (all), ` +
      `time ${formatDuration(summary.totalMs)} (backward ${formatDuration(summary.backwardMs)}, batch preparation ${(100 * summary.dataShare).toFixed(1)}%), digest ${summary.digest.slice(0, 16)}`);
  }
  if (summary.endReason === 'non-finite-loss' && summary.nonFinite) {
    const { epoch, batch, lr, loss } = summary.nonFinite;
    err(`stopped: the loss was ${loss} at epoch ${epoch}, batch ${batch} (learning rate ${lr}); nothing of that batch was applied. ` +
      (outDir ? `${outDir} keeps the checkpoint of epoch ${summary.epochsDone}, the last finite state. ` : '') +
      'Lower --lr, or choose --on-nonfinite skip-batch|continue.');
    return EXIT_NON_FINITE;
  }
  if (summary.endReason === 'interrupted' && summary.epochsDone < summary.epochs) {
    if (outDir) err(`interrupted after epoch ${summary.epochsDone}: the checkpoint is in ${outDir}; continue with: layerout train --resume ${outDir}`);
    else err(`interrupted after epoch ${summary.epochsDone} (no --out folder, so nothing was saved)`);
    return 130;
  }
  return 0;
}
