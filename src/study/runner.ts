// Runs a study's grid one run after another, each in its own run folder. A finished run is
// skipped, an interrupted one resumed exactly (train's resume), and a run folder whose saved
// options differ from the study's is an error unless `force` (then that run starts again).
import { FILE_LIMITS, readRegularText } from '../io/read';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fieldDef, FIELD_NAMES, type FieldName } from '../config/fields';
import { canonical, checkRunOptions, optionsFromFlags, savedValue } from '../config/options';
import { limitData, loadData } from '../data/spec';
import { modelSource } from '../models';
import type { DatasetPair } from '../data/types';
import { RunFolder, type RunConfig } from '../run/folder';
import { train, type TrainOptions } from '../train';
import type { EpochRecord, TrainSummary } from '../types';
import { studyGrid, type StudyConfig, type StudyRun } from './config';

/** Where a run folder stands. */
export type RunState = 'new' | 'partial' | 'finished' | 'stopped';

export interface RunFolderState {
  state: RunState;
  summary: TrainSummary | null;
  config: RunConfig | null;
}

/** Reads a run folder: finished = summary.json says completed with every epoch done. */
export function runFolderState(dir: string): RunFolderState {
  const folder = new RunFolder(dir);
  if (!existsSync(folder.runPath)) return { state: 'new', summary: null, config: null };
  const config = folder.readConfig();
  const summaryPath = join(dir, 'summary.json');
  let summary: TrainSummary | null = null;
  if (existsSync(summaryPath)) {
    try {
      summary = JSON.parse(readRegularText(summaryPath, 'summary.json')) as TrainSummary;
    } catch {
      summary = null; // rewritten atomically, so only a foreign edit gets here: resume rewrites it
    }
  }
  if (summary?.endReason === 'completed' && summary.epochsDone === summary.epochs && summary.epochs === config.training.epochs) {
    return { state: 'finished', summary, config };
  }
  if (summary?.endReason === 'non-finite-loss') return { state: 'stopped', summary, config };
  return { state: 'partial', summary, config };
}

/** A run's records from its metrics.jsonl (empty when it has none yet). */
export function readRecords(dir: string): EpochRecord[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readRegularText(file, 'metrics.jsonl', FILE_LIMITS.metrics)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EpochRecord);
}

/**
 * The study's data for one seed at a time: loaded with the run seed (which also seeds a test split
 * the data does not come with, as `train` does), then its stratified subsets. `prepare(seed)`
 * loads (image folders decode or read their cache, so it is async); the rest is synchronous.
 */
export class StudyData {
  private current: { seed: number; data: DatasetPair } | undefined;
  constructor(
    private readonly config: StudyConfig,
    private readonly load: (spec: string, seed: number) => DatasetPair | Promise<DatasetPair> = (spec, seed) => loadData(spec, { seed }),
  ) {}

  async prepare(seed: number): Promise<void> {
    if (this.current?.seed === seed) return;
    this.current = undefined; // one seed's data at a time: runs are ordered by seed
    const base = await this.load(this.config.data, seed);
    this.current = { seed, data: limitData(base, this.config.train['limit-train'] as number | undefined, this.config.train['limit-test'] as number | undefined, seed) };
  }

  forSeed(seed: number): DatasetPair {
    if (this.current?.seed !== seed) throw new Error(`the study's data for seed ${seed} was not prepared`);
    return this.current.data;
  }

  /** The study's shared options as train() options for a run with this seed (augmentation needs its data). */
  options(seed: number): Partial<TrainOptions> {
    return optionsFromFlags(this.config.train, { data: () => this.forSeed(seed) });
  }
}

function isNamedModel(model: string): boolean {
  return !model.endsWith('.json') && !model.startsWith('torchscript:');
}

/**
 * The options of `run` that a saved run folder must match, as `name: saved, requested` for each
 * one that differs: the grid's own (data, policy, epochs, seed, model) and every shared option the
 * run-configuration table saves and a resume may not change. An option with no default of its own
 * (classes, augmentation, memory format) is compared where the study sets it or the folder did.
 */
export function changedOptions(config: StudyConfig, run: StudyRun, saved: RunConfig, data: StudyData): string[] {
  const t = config.train;
  const source = saved.data.source;
  const pairs: [string, unknown, unknown][] = [
    ['data', source?.spec ?? null, config.data],
    ['policy', saved.training.policy, run.policy],
    ['epochs', saved.training.epochs, config.epochs],
    ['seed', saved.training.seed, run.seed],
  ];
  if (isNamedModel(run.model)) pairs.push(['model', saved.model.model, run.model]);
  let requested: Partial<Record<FieldName, unknown>> | undefined;
  let resolved: Record<string, unknown> | undefined; // as train() resolves them (defaults that follow other options: lr, momentum)
  for (const name of FIELD_NAMES) {
    const f = fieldDef(name);
    if (f.study !== 'shared' || f.resume === 'free' || !f.saved || !f.flag) continue;
    const given = t[f.flag] !== undefined || (f.negation !== undefined && t[f.negation.flag] !== undefined);
    const before = savedValue(saved, name);
    if (!given && f.default === undefined && (before === null || before === undefined || name === 'channelsLast' || name === 'classes')) continue;
    requested ??= { ...data.options(run.seed) };
    resolved ??= checkRunOptions({ ...requested, epochs: config.epochs } as never) as unknown as Record<string, unknown>;
    const now = name === 'limitTrain' || name === 'limitTest' ? t[f.flag] : name in resolved ? (resolved[name] ?? null) : (requested[name] ?? f.default ?? null);
    pairs.push([f.flag, before, now]);
  }
  return pairs.filter(([, a, b]) => canonical(a) !== canonical(b)).map(([name, a, b]) => `${name}: ${canonical(a)} in the folder, ${canonical(b)} now`);
}

export type RunOutcome = 'skipped' | 'trained' | 'resumed' | 'restarted' | 'stopped' | 'interrupted';

export interface StudyProgress {
  run: StudyRun;
  /** Runs in the grid. */
  runs: number;
  record: EpochRecord;
  epochs: number;
  /** Epochs of the whole grid still to train after this one. */
  epochsLeft: number;
  /** Estimated milliseconds left (from this invocation's epochs so far). */
  etaMs: number;
}

export interface RunStudyOptions {
  /** Start changed runs again instead of refusing. */
  force?: boolean;
  signal?: AbortSignal;
  /** Loads a `--data` spec (tests give data built in memory). */
  /** Loads the --data spec for a seed (default: loadData). */
  loadData?: (spec: string, seed: number) => DatasetPair | Promise<DatasetPair>;
  onRunStart?: (run: StudyRun, info: { runs: number; resumeFrom: number; outcome: RunOutcome }) => void;
  onRunEnd?: (run: StudyRun, outcome: RunOutcome, summary: TrainSummary | null) => void;
  onEpoch?: (progress: StudyProgress) => void;
  onNotice?: (message: string) => void;
  /** Passed on to train() (tests use it to stop a run at a given epoch). */
  trainHook?: (run: StudyRun, options: TrainOptions) => TrainOptions;
}

export interface StudyRunResult {
  runs: { run: StudyRun; outcome: RunOutcome }[];
  /** True when a signal stopped the study before the grid was done. */
  interrupted: boolean;
}

/** Checks every run folder first (all changed options reported at once), then trains what is left. */
export async function runStudy(config: StudyConfig, options: RunStudyOptions = {}): Promise<StudyRunResult> {
  const grid = studyGrid(config);
  const data = new StudyData(config, options.loadData);
  const states = grid.map((run) => ({ run, ...runFolderState(run.dir) }));
  const problems: string[] = [];
  const restart = new Set<StudyRun>();
  for (const s of states) {
    if (!s.config) continue;
    await data.prepare(s.run.seed);
    const changed = changedOptions(config, s.run, s.config, data);
    if (changed.length === 0) continue;
    if (options.force) restart.add(s.run);
    else problems.push(`${s.run.dir} (${s.run.model}, ${s.run.policy}, seed ${s.run.seed}): ${changed.join('; ')}`);
  }
  if (problems.length) {
    throw new RangeError(
      `the study's options differ from ${problems.length} run folder(s) it already holds; rerun with --force to train them again, or use another --out:\n  ${problems.join('\n  ')}`,
    );
  }
  const done = (s: (typeof states)[number]) => !restart.has(s.run) && (s.state === 'finished' || s.state === 'stopped');
  let epochsLeft = states.reduce((sum, s) => sum + (done(s) ? 0 : config.epochs - (restart.has(s.run) ? 0 : (s.summary?.epochsDone ?? 0))), 0);
  const started = Date.now();
  let epochsHere = 0;
  const result: StudyRunResult = { runs: [], interrupted: false };
  for (const s of states) {
    const { run } = s;
    if (done(s)) {
      const outcome: RunOutcome = s.state === 'stopped' ? 'stopped' : 'skipped';
      result.runs.push({ run, outcome });
      options.onRunEnd?.(run, outcome, s.summary);
      continue;
    }
    if (options.signal?.aborted) {
      result.interrupted = true;
      break;
    }
    const again = restart.has(run);
    const resumeFrom = again ? 0 : (s.summary?.epochsDone ?? 0);
    const outcome: RunOutcome = again ? 'restarted' : s.state === 'partial' ? 'resumed' : 'trained';
    options.onRunStart?.(run, { runs: grid.length, resumeFrom, outcome });
    await data.prepare(run.seed);
    let trainOptions: TrainOptions = {
      ...data.options(run.seed),
      model: modelSource(run.model) as TrainOptions['model'],
      data: data.forSeed(run.seed),
      policy: run.policy,
      epochs: config.epochs,
      seed: run.seed,
      out: run.dir,
      ...(again ? { force: true } : { resume: true }),
      signal: options.signal,
      onNotice: options.onNotice,
      onEpoch: (record) => {
        epochsLeft--;
        epochsHere++;
        const etaMs = ((Date.now() - started) / epochsHere) * epochsLeft;
        options.onEpoch?.({ run, runs: grid.length, record, epochs: config.epochs, epochsLeft, etaMs });
      },
    };
    if (options.trainHook) trainOptions = options.trainHook(run, trainOptions);
    const { summary } = await train(trainOptions);
    const end: RunOutcome = summary.endReason === 'non-finite-loss' ? 'stopped' : summary.endReason === 'completed' ? outcome : 'interrupted';
    result.runs.push({ run, outcome: end });
    options.onRunEnd?.(run, end, summary);
    if (end === 'interrupted') {
      result.interrupted = true;
      break;
    }
  }
  return result;
}
