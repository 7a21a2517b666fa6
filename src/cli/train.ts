// `layerout train ...`: a new run, or `--resume DIR` continuing one from its run folder.
import { rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { defaultOf, fieldDef, fieldOfFlag, resumeFlags, type FieldName } from '../config/fields';
import { optionsFromFlags } from '../config/options';
import { limitData, loadData } from '../data/spec';
import type { DatasetPair } from '../data/types';
import type { InputRecord } from '../data/inputs';
import type { DeviceName } from '../models';
import { resumeOptions } from '../run/resume';
import { train, type TrainOptions } from '../train';
import type { NonFiniteAction, TrainSummary } from '../types';
import { distributedFromEnv, type DistributedOptions } from '../distributed/options';
import { LAUNCHED_ENV, launchLocal, withoutOption } from '../distributed/launch';
import { defaultThreads } from '../models';
import { onInterrupt } from './interrupt';
import { parseCommand, UsageError, type CommandSpec, type OptionDefs, type ParsedOptions } from './args';
import { fieldOptions } from './field-options';
import { ProgressReporter, formatDuration } from './progress';

/**
 * Every `train` option comes from the run-configuration table (src/config/fields.ts): flags,
 * checks, help and defaults. Defaults here are documentation: train() applies the same ones, and
 * options left out stay undefined so that --resume can tell given options from the run folder's.
 */
export const TRAIN_OPTIONS: OptionDefs = fieldOptions(() => true, 'unless-resume');

export const TRAIN_COMMAND: CommandSpec = {
  name: 'train',
  summary: 'Train a model with a freeze policy; with --out, every epoch writes metrics and a checkpoint.',
  options: TRAIN_OPTIONS,
  usage: ['--model NAME --data SPEC --epochs N [options]', '--resume DIR [--epochs N] [--early-stop SPEC] [--threads N] [--device DEVICE] [--on-nonfinite ACTION] [--json] [--quiet] [data-parallel options]'],
  notes: [
    `--resume DIR continues a run folder with the options it was started with; only ${resumeChangeable().rest.join(', ')} and the data-parallel options may change (and --data, for runs made through the API on data built in memory). Ctrl-C (or SIGTERM) stops within one batch; the last finished epoch stays in the checkpoint. One that comes after the last batch has nothing to stop: the run completes (exit 0). A second Ctrl-C quits (130) as soon as no file of the run folder is half-written.`,
    'Exit codes: 0 done (also when stopped early by --early-stop), 1 error, 2 bad options, 3 stopped by a non-finite loss or non-finite weights (the checkpoint keeps the last finite state), 130 interrupted.',
    'Data parallel: --batch stays the global batch, split over the ranks; N ranks follow the one-process run (same data order, masks, learning rates). --nproc N runs N ranks here; on several machines start one process per rank with --world-size W --rank R --master HOST:PORT (or torchrun\'s RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). A lost rank stops every rank (exit 1).',
  ],
};

/** Options that may be given with --resume (the table's `free` and `fixed-given` fields); the rest come from the run folder. */
const RESUMABLE = new Set(resumeFlags());

/** The flags --resume may change: the data-parallel ones apart. */
function resumeChangeable(): { rest: string[]; dataParallel: string[] } {
  const flags = resumeFlags().filter((f) => f !== 'resume' && f !== 'data');
  const dataParallel = flags.filter((f) => fieldDef(fieldOfFlag(f) as FieldName).group === 'distributed');
  return { rest: flags.filter((f) => !dataParallel.includes(f)).map((f) => `--${f}`), dataParallel: dataParallel.map((f) => `--${f}`) };
}

/** What may be given with --resume, in words, after the flags that may not. */
function resumeRule(bad: string[]): string {
  const { rest, dataParallel } = resumeChangeable();
  return `only ${rest.join(', ')} and the data-parallel options (${dataParallel.join(', ')}) may be given (not --${bad.join(', --')}); --data too, for runs on data built in memory`;
}

/** Exit code of a run stopped by a non-finite loss. */
export const EXIT_NON_FINITE = 3;

/** A `--data` spec and its limits, with the library's RangeErrors turned into usage errors; `log` gets loading progress. */
export async function loadCliData(spec: string, limitTrain: number | undefined, limitTest: number | undefined, seed: number, log?: (line: string) => void, like?: InputRecord | null): Promise<DatasetPair> {
  try {
    return limitData(await loadData(spec, { seed, log, like }), limitTrain, limitTest, seed);
  } catch (e) {
    // Bad specs, and files that are not there: the user's input, not a failure of the run.
    if (e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((e as Error).message);
    throw e;
  }
}

/** train() options from the command line (a new run, or one resumed from its folder). */
async function trainOptions(given: ParsedOptions, log?: (line: string) => void): Promise<TrainOptions> {
  if (given.resume !== undefined) {
    const dir = String(given.resume);
    const bad = Object.keys(given).filter((k) => !RESUMABLE.has(k));
    if (bad.length) {
      throw new UsageError(`--resume takes its options from ${dir}/run.json; ${resumeRule(bad)}`);
    }
    const data = given.data !== undefined ? await loadCliData(String(given.data), undefined, undefined, 0, log) : undefined;
    return resumeOptions(dir, {
      epochs: given.epochs as number | undefined,
      threads: given.threads as number | undefined,
      device: given.device as DeviceName | undefined,
      onNonFinite: given['on-nonfinite'] as NonFiniteAction | undefined,
      earlyStop: given['early-stop'] as string | undefined,
      data,
      log,
    });
  }
  const seed = (given.seed as number | undefined) ?? defaultOf('seed');
  const data = await loadCliData(String(given.data), given['limit-train'] as number | undefined, given['limit-test'] as number | undefined, seed, log);
  let options;
  try {
    options = optionsFromFlags(given, { data });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  return { ...options, data, seed, epochs: Number(given.epochs), model: options.model as TrainOptions['model'], out: given.out as string | undefined };
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
    const checked = await trainOptions(given, given.quiet ? undefined : err); // every option checked once, here, before any rank starts
    if ((checked.batchSize ?? defaultOf('batchSize')) < nproc) throw new UsageError(`--batch is the global batch and must be at least --nproc (${nproc}), got ${checked.batchSize}`);
    return launchLocal({
      nproc,
      threads: (given.threads as number | undefined) ?? defaultThreads(),
      timeoutSeconds: (given['dist-timeout'] as number | undefined) ?? defaultOf('distTimeout'),
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
  const options = { ...(await trainOptions(given, given.quiet || given.json ? undefined : err)), ...(distributed ? { distributed } : {}) };
  const outDir = options.out;
  const epochs = options.epochs;

  // The last epoch's last batch reported: an interrupt from then on finds nothing to stop.
  let tail = false;
  const interrupt = onInterrupt(err, '', () => tail);
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
      onBatch: (p) => {
        if (p.epoch === epochs && p.batch === p.batches) tail = true;
        if (!json && !quiet) reporter.batch(p);
      },
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
    out(`summary: ${summary.epochsDone}/${summary.epochs} epochs, ${headline(summary)}, ` +
      `frozen params ${(100 * summary.meanFrozenParamsShareLayerOut).toFixed(1)}% (LayerOut epochs) / ${(100 * summary.meanFrozenParamsShareAll).toFixed(1)}% (all), ` +
      `time ${formatDuration(summary.totalMs)} (backward ${formatDuration(summary.backwardMs)}, batch preparation ${(100 * summary.dataShare).toFixed(1)}%), digest ${summary.digest.slice(0, 16)}`);
  }
  if (summary.endReason === 'non-finite-loss' && summary.nonFinite?.allSkipped) {
    err(`stopped: every batch of epoch ${summary.nonFinite.epoch} had a non-finite loss and was skipped (learning rate ${summary.nonFinite.lr}); nothing trained. ` +
      (outDir ? `${outDir} keeps the checkpoint of epoch ${summary.epochsDone}. ` : '') + 'Lower --lr.');
    return EXIT_NON_FINITE;
  }
  if (summary.endReason === 'non-finite-loss' && summary.nonFinite) {
    const { epoch, batch, lr, loss } = summary.nonFinite;
    err(`stopped: the loss was ${loss} at epoch ${epoch}, batch ${batch} (learning rate ${lr}); nothing of that batch was applied. ` +
      (outDir ? `${outDir} keeps the checkpoint of epoch ${summary.epochsDone}, the last finite state. ` : '') +
      'Lower --lr, or choose --on-nonfinite skip-batch|continue.');
    return EXIT_NON_FINITE;
  }
  if (summary.endReason === 'non-finite-weights' && summary.nonFinite) {
    const params = summary.nonFiniteParams ?? [];
    err(`stopped: after epoch ${summary.nonFinite.epoch} (learning rate ${summary.nonFinite.lr}) ${params.length} parameter${params.length === 1 ? '' : 's'} held a NaN or an infinity (${params.slice(0, 3).join(', ')}${params.length > 3 ? ', ...' : ''}); that epoch was dropped. ` +
      (outDir ? `${outDir} keeps the checkpoint of epoch ${summary.epochsDone}, the last finite state. ` : '') +
      'Lower --lr or --weight-decay, or clip gradients (--clip-grad-norm)' +
      (options.onNonFinite === 'continue' ? '; --on-nonfinite continue applied the updates of non-finite losses (stop, the default, would not).' : '.'));
    return EXIT_NON_FINITE;
  }
  // One rule: a run whose every epoch finished completed (exit 0), however late an interrupt came.
  if (interrupt.signal.aborted && summary.endReason === 'completed' && !tail) err('interrupt: it came after the last batch, so the run completed');
  if (summary.endReason === 'early-stopped') err(`early stop: the validation metric did not improve; stopped after epoch ${summary.epochsDone} of ${summary.epochs}`);
  if (summary.endReason === 'interrupted' && summary.epochsDone < summary.epochs) {
    if (outDir) err(`interrupted after epoch ${summary.epochsDone}: the checkpoint is in ${outDir}; continue with: layerout train --resume ${outDir}${launched && distributed ? ` --nproc ${distributed.worldSize}` : ''}`);
    else err(`interrupted after epoch ${summary.epochsDone} (no --out folder, so nothing was saved)`);
    return 130;
  }
  return 0;
}

/** The summary's test result: accuracy, or for regression the RMSE against predicting the training mean. */
function headline(s: TrainSummary): string {
  if (s.finalTestRmse !== undefined) {
    return `test rmse ${s.finalTestRmse.toPrecision(4)} (best ${s.bestTestRmse!.toPrecision(4)}${s.baselineTestRmse !== undefined ? `; predicting the training mean: ${s.baselineTestRmse.toPrecision(4)}` : ''}${s.finalTestR2 !== undefined ? `; R^2 ${s.finalTestR2.toFixed(3)}` : ''})`;
  }
  return `best test ${(100 * (s.bestTestAcc ?? 0)).toFixed(2)}%, final ${(100 * (s.finalTestAcc ?? 0)).toFixed(2)}%`;
}
