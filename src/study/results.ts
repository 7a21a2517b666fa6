// A study's numbers, computed from its run folders only (so they can be recomputed at any time):
// per model and policy the accuracy mean ± sample std, the difference to the baseline with a
// Welch 95% interval, frozen shares, time relative to the baseline, curves and time to target.
import type { EpochRecord, TrainSummary } from '../types';
import { studyGrid, type StudyConfig, type StudyRun } from './config';
import { readRecords, runFolderState, type RunState } from './runner';
import { mean, sampleStd, welchInterval, type WelchInterval } from './stats';

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface RunResult {
  model: string;
  policy: string;
  seed: number;
  dir: string;
  state: RunState;
  epochsDone: number;
  finalTestAcc: number | null;
  bestTestAcc: number | null;
  totalMs: number | null;
}

/** One point of a curve: over the finished runs, at one epoch. */
export interface CurvePoint {
  epoch: number;
  /** Mean cumulative training time (ms, epochMs summed) at the end of this epoch. */
  timeMs: number;
  acc: Stat;
}

export interface TargetResult {
  /** Test accuracy as a fraction. */
  target: number;
  /** Runs that reached it (first epoch with testAcc >= target). */
  reached: number;
  n: number;
  /** Means over the runs that reached it; null when none did. */
  timeMs: number | null;
  epochs: number | null;
}

export interface PolicyResult {
  model: string;
  policy: string;
  /** Finished runs the statistics use. */
  n: number;
  /** Runs of the grid not finished (not started, interrupted, or stopped by a non-finite loss). */
  missing: number;
  finalAcc: Stat;
  bestAcc: Stat;
  /** mean(final of this policy) − mean(final of the baseline), with Welch's 95% interval. */
  finalDiff: WelchInterval | null;
  bestDiff: WelchInterval | null;
  /** Means over runs of the run's mean over epochs (all epochs / LayerOut epochs only). */
  frozenParamsShare: number;
  frozenParamsShareLayerOut: number;
  idealBackwardSavedShare: number | null;
  /** Mean milliseconds per epoch (training only, evaluation excluded) and backward per epoch. */
  epochMs: number;
  backwardMs: number;
  /** Per-epoch times divided by the baseline's (null when there is no baseline). */
  epochTimeRatio: number | null;
  backwardTimeRatio: number | null;
  curve: CurvePoint[];
  targets: TargetResult[];
}

export interface StudyResults {
  baseline: string;
  /** Targets as fractions, per model (the defaults depend on the model's baseline). */
  targets: Record<string, number[]>;
  policies: PolicyResult[];
  runs: RunResult[];
}

interface Finished {
  run: StudyRun;
  summary: TrainSummary;
  records: EpochRecord[];
}

function stat(values: number[]): Stat {
  return { mean: mean(values), std: sampleStd(values), n: values.length };
}

/** The first epoch (1-based) at which `records` reach `target`, and the training time until then. */
export function timeToTarget(records: readonly EpochRecord[], target: number): { epoch: number; timeMs: number } | null {
  let ms = 0;
  for (const r of records) {
    ms += r.epochMs;
    if ((r.testAcc ?? 0) >= target) return { epoch: r.epoch, timeMs: ms };
  }
  return null;
}

function curve(runs: Finished[], epochs: number): CurvePoint[] {
  const points: CurvePoint[] = [];
  const cumulative = runs.map((r) => {
    let ms = 0;
    return r.records.map((rec) => (ms += rec.epochMs));
  });
  for (let e = 0; e < epochs; e++) {
    const idx = runs.map((_, i) => i).filter((i) => runs[i].records[e] !== undefined);
    if (!idx.length) break;
    points.push({
      epoch: e + 1,
      timeMs: mean(idx.map((i) => cumulative[i][e])),
      acc: stat(idx.map((i) => runs[i].records[e].testAcc ?? NaN)),
    });
  }
  return points;
}

/** Reads every run folder of the study and computes its tables. */
export function collectStudy(config: StudyConfig): StudyResults {
  const grid = studyGrid(config);
  const runs: RunResult[] = [];
  const finished = new Map<string, Finished[]>();
  const key = (model: string, policy: string) => `${model}\u0000${policy}`;
  for (const run of grid) {
    const state = runFolderState(run.dir);
    const records = state.state === 'new' ? [] : readRecords(run.dir);
    runs.push({
      model: run.model,
      policy: run.policy,
      seed: run.seed,
      dir: run.dir,
      state: state.state,
      epochsDone: records.length,
      finalTestAcc: state.summary && records.length ? (state.summary.finalTestAcc ?? null) : null,
      bestTestAcc: state.summary && records.length ? (state.summary.bestTestAcc ?? null) : null,
      totalMs: state.summary ? state.summary.totalMs : null,
    });
    if (state.state === 'finished' && state.summary) {
      const list = finished.get(key(run.model, run.policy)) ?? [];
      list.push({ run, summary: state.summary, records });
      finished.set(key(run.model, run.policy), list);
    }
  }
  const perEpoch = (f: Finished[], pick: (s: TrainSummary) => number) => mean(f.map((r) => pick(r.summary) / Math.max(1, r.summary.epochsDone)));
  const targets: Record<string, number[]> = {};
  const policies: PolicyResult[] = [];
  for (const model of config.models) {
    const base = finished.get(key(model, config.baseline)) ?? [];
    const baseFinal = base.map((r) => r.summary.finalTestAcc ?? NaN);
    const baseBest = base.map((r) => r.summary.bestTestAcc ?? NaN);
    const baseEpochMs = base.length ? perEpoch(base, (s) => s.totalMs) : NaN;
    const baseBackwardMs = base.length ? perEpoch(base, (s) => s.backwardMs) : NaN;
    targets[model] = config.targets
      ? config.targets.map((t) => t / 100)
      : base.length
        ? [mean(baseFinal) - 0.005, mean(baseFinal) - 0.01]
        : [];
    for (const policy of config.policies) {
      const f = finished.get(key(model, policy)) ?? [];
      const final = f.map((r) => r.summary.finalTestAcc ?? NaN); // studies train classification losses (src/cli/study.ts)
      const best = f.map((r) => r.summary.bestTestAcc ?? NaN);
      const ideal = f.map((r) => r.summary.meanIdealBackwardSavedShare);
      const epochMs = f.length ? perEpoch(f, (s) => s.totalMs) : NaN;
      const backwardMs = f.length ? perEpoch(f, (s) => s.backwardMs) : NaN;
      const isBase = policy === config.baseline;
      policies.push({
        model,
        policy,
        n: f.length,
        missing: config.seeds.length - f.length,
        finalAcc: stat(final),
        bestAcc: stat(best),
        finalDiff: isBase ? null : welchInterval(final, baseFinal),
        bestDiff: isBase ? null : welchInterval(best, baseBest),
        frozenParamsShare: mean(f.map((r) => r.summary.meanFrozenParamsShareAll)),
        frozenParamsShareLayerOut: mean(f.map((r) => r.summary.meanFrozenParamsShareLayerOut)),
        idealBackwardSavedShare: ideal.some((x) => x === null || x === undefined) ? null : mean(ideal as number[]),
        epochMs,
        backwardMs,
        epochTimeRatio: base.length && f.length ? epochMs / baseEpochMs : null,
        backwardTimeRatio: base.length && f.length ? backwardMs / baseBackwardMs : null,
        curve: curve(f, config.epochs),
        targets: targets[model].map((target) => {
          const hits = f.map((r) => timeToTarget(r.records, target)).filter((h): h is { epoch: number; timeMs: number } => h !== null);
          return {
            target,
            reached: hits.length,
            n: f.length,
            timeMs: hits.length ? mean(hits.map((h) => h.timeMs)) : null,
            epochs: hits.length ? mean(hits.map((h) => h.epoch)) : null,
          };
        }),
      });
    }
  }
  return { baseline: config.baseline, targets, policies, runs };
}
