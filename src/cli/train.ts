// `layerout train ...`: a new run, or `--resume DIR` continuing one from its run folder.
import { rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { defaultAugment, parseAugmentList } from '../data/augment';
import { DATA_SPEC_HELP, limitData, loadDataSpec } from '../data/spec';
import type { DatasetPair } from '../data/types';
import type { DeviceName } from '../models';
import { parsePolicy, POLICY_HELP } from '../policy';
import { resumeOptions } from '../run/resume';
import { parseSchedule, SCHEDULE_HELP } from '../schedule';
import { train, type TrainOptions } from '../train';
import { BN_MODES, NON_FINITE_ACTIONS, type BnMode, type NonFiniteAction, type TrainSummary } from '../types';
import { DEFAULT_DIST_TIMEOUT_S, distributedFromEnv, parseMaster, type DistributedOptions } from '../distributed/options';
import { LAUNCHED_ENV, launchLocal, withoutOption } from '../distributed/launch';
import { defaultThreads, PRECISIONS, type Precision } from '../models';
import { onInterrupt } from './interrupt';
import { parseCommand, UsageError, type CommandSpec, type OptionDefs, type ParsedOptions } from './args';
import { memoryFormat, modelOption, resolveModelArg } from './model-arg';
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
  'channels-last': { type: 'flag', help: "conv weights and inputs in channels-last memory format (the ResNets' and mnist-net's default on CPU; docs/cpu-profile.md)" },
  'no-channels-last': { type: 'flag', help: 'keep the default memory format, also for models that use channels-last by default' },
  precision: { type: 'string', arg: 'P', help: 'fp32, or bf16 autocast on CPUs with native bfloat16 (conv/linear in bfloat16; weights and checkpoints fp32)', choices: PRECISIONS, default: 'fp32' },
  'limit-train': { type: 'int', help: 'seeded stratified subset of the training set', min: 1 },
  'limit-test': { type: 'int', help: 'seeded stratified subset of the test set', min: 1 },
  out: { type: 'string', arg: 'DIR', help: 'run folder: run.json, checkpoint, metrics.jsonl/csv, summary.json' },
  resume: { type: 'string', arg: 'DIR', help: 'continue the run in this folder' },
  force: { type: 'flag', help: 'with --out: replace the run that folder holds' },
  json: { type: 'flag', help: 'JSON lines: one per epoch, then {"summary": ...}' },
  quiet: { type: 'flag', help: 'print only the summary' },
  nproc: { type: 'int', help: 'data parallel: start N local processes (ranks), splitting --threads between them', min: 1, max: 256 },
  'world-size': { type: 'int', help: 'data parallel across machines: the number of ranks (with --rank and --master)', min: 1, max: 65536 },
  rank: { type: 'int', help: "this process's rank, 0..world-size-1; rank 0 serves the rendezvous and writes --out", min: 0 },
  master: { type: 'string', arg: 'HOST:PORT', help: "rank 0's address for the rendezvous", check: (v) => void parseMaster(String(v)) },
  'dist-iface': { type: 'string', arg: 'NAME', help: 'network interface for gradient traffic (default: the hostname\'s address)' },
  'dist-timeout': { type: 'number', help: 'seconds a rank waits for the others before failing (joining through --master: the store, then the connections, each)', min: 0.001, max: 86400, default: DEFAULT_DIST_TIMEOUT_S },
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
    'Data parallel: --batch stays the global batch, split over the ranks; N ranks follow the one-process run (same data order, masks, learning rates). --nproc N runs N ranks here; on several machines start one process per rank with --world-size W --rank R --master HOST:PORT (or torchrun\'s RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). A lost rank stops every rank (exit 1).',
  ],
};

/** Options that may change when resuming; the rest come from the run folder. */
const RESUMABLE = new Set(['resume', 'epochs', 'threads', 'json', 'quiet', 'device', 'data', 'nproc', 'world-size', 'rank', 'master', 'dist-iface', 'dist-timeout']);

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
      throw new UsageError(`--resume takes its options from ${dir}/run.json; only --epochs, --threads, --device, --json, --quiet and the data-parallel options (--nproc, --world-size, --rank, --master, --dist-iface, --dist-timeout) may be given (not --${bad.join(', --')})`);
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
    channelsLast: memoryFormat(given),
    precision: given.precision as Precision | undefined,
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

/** This process's place in a data-parallel job: from --world-size/--rank/--master or torchrun's variables; null for one process. */
function distributedOptions(given: ParsedOptions): DistributedOptions | null {
  const flags = ['world-size', 'rank', 'master'].filter((k) => given[k] !== undefined);
  const timeoutSeconds = given['dist-timeout'] as number | undefined;
  const iface = given['dist-iface'] as string | undefined;
  if (flags.length && flags.length < 3) throw new UsageError('--world-size, --rank and --master go together');
  if (flags.length) {
    if (process.env.WORLD_SIZE !== undefined && !process.env[LAUNCHED_ENV]) throw new UsageError('give --world-size/--rank/--master or the WORLD_SIZE/RANK variables, not both');
    const worldSize = Number(given['world-size']);
    const rank = Number(given.rank);
    if (rank >= worldSize) throw new UsageError(`--rank must be less than --world-size (${worldSize}), got ${rank}`);
    return { worldSize, rank, master: String(given.master), iface, timeoutSeconds };
  }
  let env;
  try {
    env = distributedFromEnv();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return env && { ...env, iface, timeoutSeconds };
}

export async function runTrain(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options: given } = parseCommand(argv, TRAIN_COMMAND);
  const distributed = distributedOptions(given);
  const nproc = given.nproc as number | undefined;
  const launched = Boolean(process.env[LAUNCHED_ENV]);
  if (nproc !== undefined && distributed && !launched) throw new UsageError('--nproc starts its own ranks: leave out --world-size/--rank/--master and WORLD_SIZE/RANK');
  if (nproc !== undefined && nproc > 1 && !launched) {
    const checked = trainOptions(given); // every option checked once, here, before any rank starts
    if ((checked.batchSize ?? 128) < nproc) throw new UsageError(`--batch is the global batch and must be at least --nproc (${nproc}), got ${checked.batchSize}`);
    return launchLocal({
      nproc,
      threads: (given.threads as number | undefined) ?? defaultThreads(),
      timeoutSeconds: (given['dist-timeout'] as number | undefined) ?? DEFAULT_DIST_TIMEOUT_S,
      script: process.argv[1],
      args: ['train', ...withoutOption(withoutOption(argv, 'nproc'), 'threads')],
      err,
    });
  }
  if (distributed && distributed.rank > 0) {
    // Other ranks are quiet: rank 0 reports; errors still reach stderr.
    out = () => undefined;
    err = () => undefined;
  }
  const options = { ...trainOptions(given), ...(distributed ? { distributed } : {}) };
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
    // A launcher that was killed cannot remove its temporary folder: rank 0 does.
    const store = process.env.LAYEROUT_STORE_FILE;
    if (launched && distributed?.rank === 0 && !process.connected && store && basename(dirname(store)).startsWith('layerout-dp-')) {
      rmSync(dirname(store), { recursive: true, force: true });
    }
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
    if (outDir) err(`interrupted after epoch ${summary.epochsDone}: the checkpoint is in ${outDir}; continue with: layerout train --resume ${outDir}${launched && distributed ? ` --nproc ${distributed.worldSize}` : ''}`);
    else err(`interrupted after epoch ${summary.epochsDone} (no --out folder, so nothing was saved)`);
    return 130;
  }
  return 0;
}
