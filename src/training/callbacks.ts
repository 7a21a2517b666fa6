// The training loop's seam: callbacks hear the run start, each epoch's plan before it trains,
// each epoch's record after its evaluation, and an early stop. The run folder (src/run/callback.ts),
// the data-parallel agreement (src/distributed/callback.ts) and the caller's hooks plug in here;
// every callback is awaited, in order.
import type { Model } from '../model';
import type { FreezePolicy } from '../policy';
import type { EndReason, EpochRecord } from '../types';
import type { RunEnd } from './summary';

/** What a callback sees of the run. */
export interface RunContext {
  readonly model: Model;
  readonly policy: FreezePolicy;
  /** Epochs the run is to train in all. */
  readonly epochs: number;
  /** The records so far (restored ones first). */
  readonly records: readonly EpochRecord[];
}

/** What an epoch is about to train with: copies, for reading (changing them changes nothing but `stop`). */
export interface EpochPlan {
  /** 0-based. */
  epoch: number;
  lr: number;
  /** The epoch's mask (the first batch's with per-batch masks). */
  mask: boolean[];
  batchMasks: boolean[][] | null;
  momentumReset: boolean;
  /** Set when a callback before has asked to stop (returned true); the data-parallel agreement, last, shares it. */
  stop: boolean;
  /** Why, when a callback returned a reason ('early-stopped') rather than true ('interrupted'). */
  stopReason?: EndReason;
}

export interface TrainingCallback {
  /** Once the model is built and any state restored, before the first epoch (also with none left to train). */
  onStart?(run: RunContext): void | Promise<void>;
  /**
   * Before an epoch trains; `true` stops the run there, as interrupted, and an end reason
   * ('early-stopped') stops it for that reason (nothing of that epoch is applied).
   */
  onEpochStart?(plan: EpochPlan, run: RunContext): boolean | EndReason | void | Promise<boolean | EndReason | void>;
  /** After the epoch's evaluation, with its record (already the last of `run.records`). */
  onEpochEnd?(record: EpochRecord, run: RunContext): void | Promise<void>;
  /** The run stopped before its last epoch (interrupted, or a non-finite loss), before the summary. */
  onStop?(end: RunEnd, run: RunContext): void | Promise<void>;
}

type Hook = keyof TrainingCallback;

/** Every hook a TrainingCallback may have. */
export const TRAINING_HOOKS = ['onStart', 'onEpochStart', 'onEpochEnd', 'onStop'] as const satisfies readonly Hook[];

/**
 * Runs one hook of every callback in order, awaiting each. For onEpochStart, a callback that
 * returns true marks the plan stopped (later callbacks see `plan.stop`); returns whether it is.
 */
export async function notify<K extends Hook>(callbacks: readonly TrainingCallback[], hook: K, ...args: Parameters<NonNullable<TrainingCallback[K]>>): Promise<boolean> {
  let stop = false;
  for (const c of callbacks) {
    const fn = c[hook] as ((...a: unknown[]) => unknown) | undefined;
    if (!fn) continue;
    const answer = await fn.apply(c, args);
    if (hook !== 'onEpochStart' || (answer !== true && typeof answer !== 'string')) continue;
    stop = true;
    const plan = args[0] as EpochPlan;
    plan.stop = true;
    if (typeof answer === 'string') plan.stopReason ??= answer as EndReason;
  }
  return stop;
}
