// The freeze-policy interface: given the epoch and the model's units, that epoch's mask.
import type { EpochRecord, FreezeUnit } from '../types';

export interface PolicyContext {
  /** The model's freeze units, in forward order. */
  units: readonly FreezeUnit[];
  /** Model name (efreeze/dfreeze use the paper's vectors for mnist-net and vgg16). */
  model: string;
  /** Total epochs of the run (FreezeOut spaces its freezing times over it). */
  epochs: number;
  /** Run seed; every random draw derives from it. */
  seed: number;
}

export interface FreezePolicy {
  /** A short description, e.g. "layerout(sample=epoch, warmup=20)". */
  readonly name: string;
  /** Units frozen in every epoch (`freeze`), whose BatchNorms follow `freezeBn`; absent: none. */
  readonly pinned?: readonly boolean[];
  /** The mask for `epoch` (0-based); true freezes the unit. Called once per epoch, in order. */
  mask(epoch: number): boolean[];
  /** Whether `epoch` is a LayerOut epoch (not baseline/warm-up), for the paper's averages. */
  isLayerOutEpoch(epoch: number): boolean;
  /** Whether momentum buffers are reset before `epoch` (the authors' code rebuilds its optimizer). */
  resetsMomentum(epoch: number): boolean;
  /**
   * Per-batch freezing (optional): the masks of every batch of `epoch`, drawn up front, or null
   * when that epoch uses one mask (then `mask` is asked instead). Called once per epoch, in order,
   * in place of `mask`; `batches` is the epoch's batch count.
   */
  batchMasks?(epoch: number, batches: number): boolean[][] | null;
  /**
   * Hears each finished epoch's record (losses, accuracies, the mask's shares, times), in order,
   * before that epoch's checkpoint is written: a policy driven by training signals decides later
   * masks from them. What it keeps must be part of getState() (saved with that checkpoint), so a
   * resumed run continues identically; records from before a resume are not replayed. In data
   * parallel every rank must decide alike: losses and accuracies are the same on every rank, the
   * times are each rank's own.
   */
  observe?(record: EpochRecord): void | Promise<void>;
  /** Everything needed to continue identically (RNG included), as JSON. */
  getState(): unknown;
  setState(state: unknown): void;
}

/** A user mask function: `(epoch, units) => boolean[]`. */
export type MaskFunction = (epoch: number, units: readonly FreezeUnit[]) => boolean[];
