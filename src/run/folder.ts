// The one owner of a run folder: which files it holds, the options saved once (run.json), and
// every write to it (atomic and durable, see atomic.ts). The CLI and train({ out }) both go
// through here, so `inspect`, `predict`, `export` and `--resume` take any run.
import { readRegularText } from '../io/read';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AugmentOptions } from '../data/augment';
import type { DataSource } from '../data/types';
import { OPTIMIZERS, unreadBy } from '../optim/registry';
import type { ResolvedOptimizer } from '../optim/spec';
import type { ResolvedLoss } from '../objective/spec';
import { BEST_FILE, CHECKPOINT_FILE, MODULE_FILE, RUN_FILE } from './files';
import type { PolicySpec } from '../policy';
import { metricsCsv, metricsJsonl } from '../report/metrics';
import { parseSchedule, type Schedule } from '../schedule';
import type { BnMode, EpochRecord, NonFiniteAction, TrainSummary } from '../types';
import { defaultOf, fieldDef, FIELD_NAMES } from '../config/fields';
import { canonical, savedValue, trainingFields, valueAt } from '../config/options';
import { writeFileAtomic } from './atomic';
import { nearest } from '../validate';
import { RunLock } from './lock';
import { dataKindOf, type ModelSpecRecord } from './meta';

export { RUN_FILE } from './files';
/** Every file a run writes into its folder (besides the lock). */
const RUN_FILES = [RUN_FILE, CHECKPOINT_FILE, BEST_FILE, MODULE_FILE, 'metrics.jsonl', 'metrics.csv', 'summary.json'];

/** A run folder that already holds a run where a new one was asked for. */
export class RunFolderConflict extends Error {
  override name = 'RunFolderConflict';
}
export const RUN_FORMAT = 'layerout-run-2';
export { CHECKPOINT_FILE };

/** The options a resume may change (the table's `free` fields that are API options). */
export function resumeFreeOptions(): string {
  const names = FIELD_NAMES.filter((n) => fieldDef(n).resume === 'free' && fieldDef(n).api && !['out', 'resume'].includes(n));
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The training options of a run, as saved in run.json: the run-configuration table's fields
 * saved under `training.` (src/config/fields.ts), plus the policy's name.
 */
export interface RunSettings {
  /** A policy string or spec; null when the run used a function or policy object (not reproducible from the folder). */
  policy: string | PolicySpec | null;
  policyName: string;
  /** The optimizer with its settings; 'sgd' in folders written before optimizers had settings, absent before the optimizer seam. */
  optimizer?: string | ResolvedOptimizer;
  /** The loss with its settings; absent in folders written before losses had settings (their `objective` was cross-entropy). */
  loss?: string | ResolvedLoss;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Absent for optimizers that do not read it (adam, adamw). */
  momentum?: number;
  weightDecay: number;
  schedule: Schedule;
  bn: BnMode;
  seed: number;
  /** Explicit augmentation (options, or the CLI's `--augment` list); null: the data kind's defaults. */
  augment: AugmentOptions | string | null;
  /** Absent in folders written before it existed ('stop'). */
  onNonFinite?: NonFiniteAction;
  /** Channels-last memory format (absent: false). */
  channelsLast?: boolean;
  /** Mixed precision (absent in folders written before it was always saved: fp32). */
  precision?: 'fp32' | 'bf16';
  /** libtorch threads the run started with: a resume uses them unless told otherwise (results depend on them). */
  threads?: number;
  /** Data-parallel runs: the ranks the run started with (a resume may use another number). */
  ranks?: number;
}

export interface RunConfig {
  format: typeof RUN_FORMAT;
  model: ModelSpecRecord;
  data: {
    kind: string;
    classes: number;
    /** How to load the data again; null for datasets built in memory. */
    source: DataSource | null;
    train: { name: string; count: number };
    test: { name: string; count: number };
  };
  training: RunSettings;
}

export class RunFolder {
  readonly dir: string;

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir.trim() === '') throw new TypeError('the run folder must be a non-empty path');
    this.dir = dir;
  }

  get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  get runPath(): string {
    return join(this.dir, RUN_FILE);
  }

  hasCheckpoint(): boolean {
    return existsSync(this.checkpointPath);
  }

  /**
   * Makes the folder ready before the first epoch: creates it, takes its lock (one writer per
   * folder), refuses to start a new run over an existing one, and writes run.json (which also
   * proves the folder is writable). The caller releases the returned lock when the run ends.
   */
  async prepare(
    config: RunConfig,
    mode: 'new' | 'resume' | 'replace',
    notice?: (message: string) => void,
    /** Runs with the lock held, before run.json is written: a resume checks the run here. */
    check?: () => Promise<void>,
  ): Promise<RunLock> {
    if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) throw new Error(`run folder ${this.dir} is a file, not a folder`);
    makeFolder(this.dir);
    const lock = RunLock.acquire(this.dir, notice);
    try {
      if (mode === 'new' && this.hasCheckpoint()) {
        throw new RunFolderConflict(`${this.dir} already holds a run; continue it with --resume ${this.dir} (resume: true), replace it with --force (force: true), or choose another folder`);
      }
      this.removeTemporaryFiles(); // left by a writer that was killed; the lock is ours now
      if (mode === 'replace') this.clear();
      if (mode === 'resume' && this.hasCheckpoint() && existsSync(this.runPath)) {
        const changed = configChanges(this.readConfig(), config);
        if (changed.length) throw new RunFolderConflict(`${this.dir} was started with other options: ${changed.join('; ')}; resume with the same options (only ${resumeFreeOptions()} may change)`);
      }
      await check?.();
      await this.keepModule(config);
      await this.writeConfig(config);
      return lock;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * A TorchScript run keeps a copy of its module (MODULE_FILE), so predict, export, inspect and
   * --resume need nothing outside the folder; the copy must have the SHA-256 run.json records.
   */
  private async keepModule(config: RunConfig): Promise<void> {
    const script = config.model.torchscript;
    if (!script) return;
    const copy = join(this.dir, MODULE_FILE);
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    // A resume: the folder's copy is the module (the original may be gone).
    if (existsSync(copy) && digest(readFileSync(copy)) === script.sha256) return;
    const bytes = readFileSync(script.path);
    if (digest(bytes) !== script.sha256) throw new Error(`${script.path} changed while the run started (its SHA-256 differs); start again`);
    await writeFileAtomic(copy, bytes);
  }

  /** Removes a previous run's files (the lock is held). */
  private clear(): void {
    for (const name of readdirSync(this.dir)) {
      if (RUN_FILES.includes(name)) rmSync(join(this.dir, name), { force: true });
    }
  }

  private removeTemporaryFiles(): void {
    for (const name of readdirSync(this.dir)) {
      if (/^\..*\.tmp$/.test(name)) rmSync(join(this.dir, name), { force: true });
    }
  }

  async writeConfig(config: RunConfig): Promise<void> {
    await writeFileAtomic(this.runPath, JSON.stringify(config, null, 2) + '\n');
  }

  /** run.json, in the current format (first-format folders hold the CLI's flat options). */
  readConfig(): RunConfig {
    if (!existsSync(this.runPath)) throw new Error(`${this.dir} has no ${RUN_FILE}: not a layerout run folder`);
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(readRegularText(this.runPath, RUN_FILE));
    } catch (e) {
      throw new Error(`${this.runPath} is not valid JSON: ${(e as Error).message}`);
    }
    if (raw?.format === RUN_FORMAT) return checkConfig(raw, this.runPath);
    if (typeof raw?.model === 'string') return upgradeCliOptions(raw);
    throw new Error(`${this.runPath} is not a layerout run file`);
  }

  async writeCheckpoint(bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.checkpointPath, bytes);
  }

  /** The best epoch's checkpoint (keepBest), written like the checkpoint: atomically, every tensor with its SHA-256. */
  async writeBest(bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.dir, BEST_FILE), bytes);
  }

  /** Rewrites the metrics files and summary from all records so far (small; stays consistent with the checkpoint). */
  async writeProgress(records: readonly EpochRecord[], summary: TrainSummary): Promise<void> {
    await writeFileAtomic(join(this.dir, 'metrics.jsonl'), metricsJsonl(records));
    await writeFileAtomic(join(this.dir, 'metrics.csv'), metricsCsv(records));
    await writeFileAtomic(join(this.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }
}

/** The fields a run file must have, with their types: a damaged run.json is named, not crashed on. */
function checkConfig(raw: Record<string, unknown>, where: string): RunConfig {
  const problems: string[] = [];
  const field = (path: string, type: string) => {
    const value = valueAt(raw, path);
    if (typeof value !== type || value === null) problems.push(`${path} (${type})`);
  };
  for (const f of ['model.model', 'data.kind', 'training.policyName']) field(f, 'string');
  for (const f of ['model.classes', 'model.seed', 'data.classes', 'data.train.count', 'data.test.count', 'training.epochs', 'training.lr']) field(f, 'number');
  // Options an optimizer does not read (adam: momentum) are not saved for it.
  const optimizer = savedValue(raw, 'optimizer') as ResolvedOptimizer;
  for (const f of ['data.train', 'data.test']) field(f, 'object');
  // Every saved option with a default has been in run.json since its first format.
  for (const { name } of trainingFields()) {
    const f = fieldDef(name);
    if (OPTIMIZERS[optimizer?.kind] && unreadBy(optimizer.kind, name)) continue;
    if (f.default !== undefined && f.absentMeans === undefined && name !== 'policy') field(f.saved as string, name === 'schedule' ? 'object' : typeof f.default);
  }
  if (problems.length) throw new Error(`${where} is damaged: missing or wrong ${problems.join(', ')}`);
  // A key no version wrote (a flipped byte, a hand edit: "chajnelsLast") is named, never ignored.
  const known: [string, unknown, readonly string[]][] = [
    ['', raw, ['format', 'model', 'data', 'training']],
    ['data.', raw.data, ['kind', 'classes', 'source', 'train', 'test']],
    ['training.', raw.training, ['policyName', ...trainingFields().map((f) => f.key), 'objective']],
  ];
  for (const [prefix, section, keys] of known) {
    const unknown = Object.keys(section as object).filter((k) => !keys.includes(k));
    if (unknown.length) {
      const hint = (k: string) => (nearest(k, keys) ? ` (did you mean ${prefix}${nearest(k, keys)}?)` : '');
      throw new Error(`${where} is damaged: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `${prefix}${k}${hint(k)}`).join(', ')}`);
    }
  }
  return raw as unknown as RunConfig;
}

/** What differs between the options a run was started with and those it is resumed with. */
export function configChanges(old: RunConfig, now: RunConfig): string[] {
  const changes: string[] = [];
  const compare = (what: string, a: unknown, b: unknown, plain = false) => {
    const show = (v: unknown) => (plain ? String(v ?? null) : JSON.stringify(v ?? null));
    if (canonical(a) !== canonical(b)) changes.push(`${what} was ${show(a)}, now ${show(b)}`);
  };
  for (const name of FIELD_NAMES) {
    const f = fieldDef(name);
    if (!f.saved || f.resume === 'free') continue;
    if (name === 'model') {
      // First-format folders recorded less (no mlp widths): compare what they have.
      for (const key of ['model', 'seed', 'network'] as const) {
        if (old.model[key] !== undefined) compare(key === 'model' ? 'model' : `model ${key}`, old.model[key], now.model[key]);
      }
      if (old.model.torchscript) compare('TorchScript file', old.model.torchscript.sha256, now.model.torchscript?.sha256);
    } else if (name === 'data') {
      compare('data kind', old.data.kind, now.data.kind);
      // First-format folders did not record sample counts (0): nothing to compare there.
      if (old.data.train.count) compare('training samples', old.data.train.count, now.data.train.count);
      if (old.data.test.count) compare('test samples', old.data.test.count, now.data.test.count);
    } else {
      const before = savedValue(old, name);
      // Not recorded by the folder's format (first-format folders: augmentation as CLI text).
      if (before === undefined && f.saved.startsWith('model.')) continue;
      if (name === 'augment' && typeof before === 'string') continue;
      const key = f.saved.startsWith('model.') ? `model ${name}` : name;
      compare(key, before, savedValue(now, name), name === 'precision' || f.cli === 'flag');
    }
  }
  return changes;
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever on some paths (seen:
 * /proc/x), and a plain mkdir fails at once with the real cause.
 */
function makeFolder(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST' && statSync(p).isDirectory()) continue; // made by a concurrent start
      throw new Error(`could not create run folder ${dir}: ${err.code ?? ''} ${err.message}`.trim());
    }
  }
  if (!statSync(target).isDirectory()) throw new Error(`run folder ${dir} is a file, not a folder`);
}

/** The first run.json format: the CLI's options as given (`batch`, `weight-decay`, ...). */
function upgradeCliOptions(o: Record<string, unknown>): RunConfig {
  const num = (k: string, d: number) => (o[k] === undefined ? d : Number(o[k]));
  const spec = typeof o.data === 'string' ? o.data : null;
  const seed = num('seed', 0);
  return {
    format: RUN_FORMAT,
    model: { model: String(o.model), classes: num('classes', 10), seed },
    data: {
      kind: dataKindOf(spec),
      classes: num('classes', 10),
      source: spec
        ? { spec, limitTrain: o['limit-train'] as number | undefined, limitTest: o['limit-test'] as number | undefined, seed }
        : null,
      train: { name: 'train', count: 0 },
      test: { name: 'test', count: 0 },
    },
    training: {
      policy: (o.policy as string | undefined) ?? String(defaultOf('policy')),
      policyName: String(o.policy ?? defaultOf('policy')),
      epochs: num('epochs', 0),
      batchSize: num('batch', defaultOf('batchSize')),
      lr: num('lr', OPTIMIZERS.sgd.defaultLr),
      momentum: num('momentum', defaultOf('momentum')),
      weightDecay: num('weight-decay', defaultOf('weightDecay')),
      schedule: parseSchedule(String(o.schedule ?? defaultOf('schedule'))),
      bn: (o.bn as BnMode | undefined) ?? defaultOf('bn'),
      seed,
      augment: (o.augment as string | undefined) ?? null,
    },
  };
}
