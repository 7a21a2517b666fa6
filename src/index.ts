/// <reference types="node" preserve="true" />
// The Node.js types this package's .d.ts files use (Buffer, NodeJS.*): referenced here so a project
// whose tsconfig names no "types" (TypeScript 7's default) or leaves "node" out still compiles.
// The public API of layerout. The addon's raw surface (native.ts) stays private.
import { loadNative, type RuntimeInfo } from './native';

export { Model, Network, CHECKPOINT_FILE } from './model';
export type { TrainEpochOptions, PredictOptions, LoadOptions, CheckpointCheck, WeightReport } from './model';
export { modelCatalog, modelNames } from './models';
export type { ModelName, ModelOptions, DeviceName } from './models';
export { BN_MODES } from './types';
export type {
  BnMode,
  CatalogEntry,
  EpochProgress,
  EpochRecord,
  EpochStats,
  EvalStats,
  FreezeUnit,
  ModelInfo,
  OperatorTime,
  StepProfile,
  StepTimes,
  TrainSummary,
} from './types';
export { train, summarise } from './train';
export type { TrainOptions, TrainResult, TrainCallbacks, RunEnd } from './train';
export type { TrainingCallback, EpochPlan, RunContext } from './training/callbacks';
export { RUN_FIELDS, FIELD_GROUPS } from './config/fields';
export type { RunOptions, FieldDef, FieldGroup, FieldName } from './config/fields';
export { OPTIMIZERS, OPTIMIZER_NAMES } from './optim/registry';
export type { OptimizerName } from './optim/registry';
export type { OptimizerKind } from './optim/types';
export { OBJECTIVES, OBJECTIVE_NAMES } from './objective/registry';
export type { ObjectiveName } from './objective/registry';
export type { ObjectiveKind } from './objective/types';
export { EXPORTERS, EXPORT_FORMATS } from './export/registry';
export type { ExportFormat } from './export/registry';
export type { Exporter } from './export/types';
export { DATA_SOURCES } from './data/sources/registry';
export type { DataSourceKind } from './data/sources/types';
export { writeExport } from './export/write';
export type { WriteExportOptions, ExportedFiles } from './export/write';
export type { ExportOptions } from './export/types';
export type { ExportDescription } from './export/state-dict';
export type { NetworkSpec, LayerSpec, LayerNames, InitName, PlanLayer } from './spec/types';
export type { TorchScriptSource, Precision } from './models';
export type { EndReason, NonFiniteAction } from './types';
export type { CostUnit, BnModes } from './cost';
export type { UnitRule } from './spec/units';
export type { DatasetExpectation } from './data/types';
export type { DistributedOptions } from './distributed/options';
export type { EarlyStopSpec, ValMetric } from './training/validation';
export type { Field as RunField, ValueOf as RunFieldValue, ApiName as ApiFieldName, RequiredName as RequiredFieldName, RunFields, ResumeRule, StudyRole } from './config/fields';
export type { KindSetting, ResolvedKind, SettingValue } from './config/kind-spec';
export type { LossSpec, ResolvedLoss } from './objective/spec';
export type { OptimizerSpec, ResolvedOptimizer } from './optim/spec';
export type { NpyType } from './data/npy';
export type { StepPosition } from './schedule';
export type { RunLock } from './run/lock';
export { RunFolder, RUN_FILE } from './run/folder';
export type { RunConfig, RunSettings } from './run/folder';
export type { CheckpointMeta, ModelSpecRecord, PreprocessingRecord, TrainingState } from './run/meta';
export { WriteError } from './run/atomic';
export * from './policy';
export { parseSchedule, lrAt } from './schedule';
export type { Schedule } from './schedule';
export { backwardMacs, idealBackwardSaving, frozenParamsShare } from './cost';
export { loadData, loadDataSpec, limitData } from './data/spec';
export type { LoadDataOptions } from './data/spec';
export type { DataLoadContext } from './data/sources/types';
export { writeImageFolder } from './data/images/write';
export type { WriteImageFolderOptions } from './data/images/write';
export type { InputRecord, ImageDecodeRecord, TableRecord } from './data/inputs';
export { readNpy, readNpz } from './data/npy';
export type { NpyArray, NpzArchive } from './data/npy';
export type { PredictSource, PredictInputs } from './predict/inputs';
export type { Prediction, RankedClass } from './predict/outputs';
export { softmaxRows } from './predict/outputs';
export { readIdxFolder, parseIdxImages, parseIdxLabels } from './data/idx';
export { readCifar10, readCifar100 } from './data/cifar';
export { readMnistDigits } from './data/mnist-digits';
export { makeSynthetic } from './data/synthetic';
export type { SyntheticSpec } from './data/synthetic';
export { stratifiedSubset, stratifiedSplit } from './data/subset';
export { checkDataset } from './data/types';
export { defaultAugment, MNIST_STATS, CIFAR_STATS } from './data/augment';
export type { AugmentOptions } from './data/augment';
export type { ImageDataset, DatasetPair, DataSource, DataLoadReport } from './data/types';
export type { RuntimeInfo };

/** Runtime facts: libtorch version and whether it sees a GPU. */
export function runtimeInfo(): RuntimeInfo {
  return loadNative().runtimeInfo();
}

/**
 * Resolves when the native addon and libtorch are loaded, having loaded them on a worker thread:
 * await it before the first `new Model(...)`, `runtimeInfo()` or `modelCatalog()` in a program
 * whose event loop must not stall (the first load takes 0.6-1.1 s). `train`, `Model.load` and
 * the CLI do this themselves.
 */
export { preloadNative as ready } from './native';
