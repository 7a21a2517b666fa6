// The domain types of the public API. Plain data: no module here imports another of ours, so
// every layer (model, training, reports, CLI) can depend on them without cycles.

/** What a frozen unit's BatchNorm does: keep training, freeze γ/β, or freeze γ/β and statistics. */
export type BnMode = 'train' | 'freeze-affine' | 'freeze';
export const BN_MODES: readonly BnMode[] = ['train', 'freeze-affine', 'freeze'];

/** One freeze unit: a Conv2d or Linear layer with the BatchNorm that follows it. */
export interface FreezeUnit {
  index: number;
  /** Our name, e.g. `layer1.0.conv1`. */
  name: string;
  /** 'other': a TorchScript leaf module with parameters that is not a conv or linear. */
  kind: 'conv' | 'linear' | 'other';
  /** Parameters of the layer and its BatchNorm's affine. */
  params: number;
  /** BatchNorm affine parameters (γ and β), 0 without BatchNorm. */
  bnParams: number;
  /** Forward multiply-adds per sample; null where they cannot be derived (TorchScript convs). */
  macs: number | null;
  hasBatchNorm: boolean;
}

export interface ModelInfo {
  model: string;
  classes: number;
  device: string;
  totalParams: number;
  /** C, H, W of the model's input. */
  inputShape: number[];
  layers: FreezeUnit[];
}

/** A built-in network of the model table (`layerout info` lists them). */
export interface CatalogEntry {
  name: string;
  description: string;
  /**
   * Default input C, H, W: the only one unless `resizable`. For the resizable ResNets and vgg16 it
   * is the paper's 3x32x32, at which their parameter counts are the paper's.
   */
  inputShape: [number, number, number];
  /** Takes `hidden` widths (the mlp). */
  configurable: boolean;
  /**
   * Takes any `inputShape` [C, H, W] within `inputLimits` (the ResNets, vgg16, the mlp); otherwise
   * the input is fixed at `inputShape` (mnist-net).
   */
  resizable: boolean;
  /** The least and most channels, and the least and most height and width, `inputShape` may have. */
  inputLimits: { channels: [number, number]; size: [number, number] };
  /**
   * Images smaller than the input are zero-padded (centred) to it, as MNIST's 28x28 digits are
   * to mnist-net's 32x32. False (the mlp): the data must be exactly the input's size.
   */
  padsSmallerInput: boolean;
  /** The input in words, for listings: '1x32x32 ...', 'any CxHxW (paper: 3x32x32)'. */
  input: string;
  /** Trains in channels-last by default on CPU (measured faster there: docs/cpu-profile.md). */
  channelsLastOnCpu: boolean;
}

export interface EpochProgress {
  batch: number;
  batches: number;
  loss: number;
  acc: number;
}

/**
 * What a batch whose loss is NaN or infinite does: end the epoch there before any update
 * ('stop', the default), leave that batch out ('skip-batch'), or train on ('continue').
 */
export type NonFiniteAction = 'stop' | 'skip-batch' | 'continue';
export const NON_FINITE_ACTIONS: readonly NonFiniteAction[] = ['stop', 'skip-batch', 'continue'];

/** One epoch's loss, accuracy and per-phase milliseconds (device-synchronised). */
export interface EpochStats {
  trainLoss: number;
  /** Accuracy for classification losses (bce: over every label); NaN for regression losses. */
  trainAcc: number;
  /** The loss's metric sums per sample (cross-entropy: [accuracy]; regression: [absolute, squared] error summed over the targets). */
  trainMetrics: number[];
  /** Batch preparation: indexing and augmentation. */
  dataMs: number;
  forwardMs: number;
  /** Backward, including the gradients-ready hook (none in single-process runs). */
  backwardMs: number;
  optimizerMs: number;
  epochMs: number;
  batches: number;
  samples: number;
  /** True when an AbortSignal stopped the epoch early. */
  aborted: boolean;
  /** Batches left out under `onNonFinite: 'skip-batch'`. */
  skippedBatches: number;
  /** Under 'stop': the batch (0-based) whose loss was not finite; nothing of it was applied. */
  nonFinite: { batch: number; loss: number } | null;
  /** Data parallel: gradient bytes this rank all-reduced, and its time in the all-reduce (part of backwardMs). 0 in one process. */
  allreducedBytes: number;
  allreduceMs: number;
  /** With clipGradNorm: the largest global gradient norm before clipping, and the steps clipped. */
  maxGradNorm: number;
  clippedSteps: number;
}

export interface EvalStats {
  loss: number;
  /** Accuracy for classification losses (bce: over every label); NaN for regression losses. */
  acc: number;
  /** The loss's metric sums per sample, as EpochStats.trainMetrics. */
  metrics: number[];
  ms: number;
  samples: number;
}

/** Per-step milliseconds of `Model.timeSteps`. */
export interface StepTimes {
  forwardMs: number[];
  backwardMs: number[];
  optimizerMs: number[];
}

/** One operator's self time (its own time, not the operators it called) in `Model.profileSteps`. */
export interface OperatorTime {
  name: string;
  /** Milliseconds per step. */
  selfMs: number;
  /** Calls per step. */
  calls: number;
}

/** Where a training step's time goes, by libtorch's profiler inside the addon (`Model.profileSteps`). */
export interface StepProfile {
  steps: number;
  /** Sum of every operator's self time, per step. */
  stepMs: number;
  /** The operators grouped into the phases of docs/cpu-profile.md (shares are fractions of stepMs). */
  phases: Array<{ phase: string; ms: number; share: number }>;
  /** Largest self time first. */
  operators: OperatorTime[];
}

/** One epoch of a training run, as stored in metrics.jsonl and the checkpoint. Shares are fractions in [0, 1]. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  lr: number;
  frozen: boolean[];
  frozenUnits: number;
  /** Share of trainable parameters frozen this epoch (BatchNorm affine only when frozen too). */
  frozenParamsShare: number;
  /** Share of the unfrozen backward multiply-adds that the mask skips (the design notes' cost model); null when a unit's multiply-adds are unknown. */
  idealBackwardSavedShare: number | null;
  layerOutEpoch: boolean;
  momentumReset: boolean;
  trainLoss: number;
  /** Classification losses (cross-entropy, bce): accuracy on the training batches and the test set. */
  trainAcc?: number;
  testAcc?: number;
  testLoss: number;
  /** Regression losses (mse, l1, huber): mean absolute and root mean squared error over every target, and R^2 of the test set. */
  trainMae?: number;
  trainRmse?: number;
  testMae?: number;
  testRmse?: number;
  testR2?: number;
  /** Regression: the test RMSE of predicting the training set's mean of each target (the baseline to beat). */
  testBaselineRmse?: number;
  /** With a validation split: the loss and the loss's metrics on it. */
  valLoss?: number;
  valAcc?: number;
  valMae?: number;
  valRmse?: number;
  valR2?: number;
  /** With per-step learning rates (warm-up, per-step schedules): the rate of the epoch's last step (`lr` is its first step's). */
  lastLr?: number;
  /** With gradient clipping: the largest global gradient norm before clipping, and the steps it clipped. */
  maxGradNorm?: number;
  clippedSteps?: number;
  /** Under onNonFinite 'skip-batch': the batches left out (absent when none were). */
  skippedBatches?: number;
  dataMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  epochMs: number;
  device: string;
  /**
   * Data-parallel runs: the ranks, the gradient bytes rank 0 all-reduced, the ideal (4 bytes per
   * trainable parameter per step: frozen units send nothing) and rank 0's time in the all-reduce.
   */
  dataParallel?: { ranks: number; allreducedBytes: number; idealAllreducedBytes: number; allreduceMs: number };
}

/** Why a run ended where it did. */
export type EndReason = 'completed' | 'interrupted' | 'non-finite-loss' | 'non-finite-weights' | 'early-stopped';

export interface TrainSummary {
  model: string;
  policy: string;
  device: string;
  epochs: number;
  epochsDone: number;
  interrupted: boolean;
  endReason: EndReason;
  /** Set when a non-finite loss stopped the run: where, and at which learning rate. */
  nonFinite?: { epoch: number; batch: number; lr: number; loss: number; allSkipped?: boolean };
  /** Under onNonFinite 'skip-batch': batches left out over the run (absent when none were). */
  skippedBatches?: number;
  /** Image folders with skip-unreadable: the files left out of the data, and why (absent when none were). */
  skippedFiles?: { name: string; reason: string }[];
  /** Image folders: whether this run's data was decoded or read from the cache. */
  dataFrom?: 'decoded' | 'cache';
  /** 'non-finite-weights': the parameters that held a NaN or an infinity after that epoch (which was dropped). */
  nonFiniteParams?: string[];
  /** Classification losses: the best and the last epoch's test accuracy (0 before any epoch). */
  bestTestAcc?: number;
  finalTestAcc?: number;
  /** Regression losses: the best and last test RMSE, the last R^2, and the RMSE of predicting the training mean. */
  bestTestRmse?: number;
  finalTestRmse?: number;
  finalTestR2?: number;
  baselineTestRmse?: number;
  /** Mean share of parameters frozen over LayerOut epochs (not baseline or warm-up epochs). */
  meanFrozenParamsShareLayerOut: number;
  /** Mean share of parameters frozen over all epochs. */
  meanFrozenParamsShareAll: number;
  /** Null when a unit's multiply-adds are unknown (TorchScript convs). */
  meanIdealBackwardSavedShare: number | null;
  totalMs: number;
  backwardMs: number;
  /** Time spent preparing batches (indexing, augmentation) and its share of epoch time. */
  dataMs: number;
  dataShare: number;
  digest: string;
}
