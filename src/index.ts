// The public API of layerout.
export { Model, BN_MODES } from './model';
export type { FreezeUnit, ModelInfo, EpochProgress, EpochStats, EvalStats, TrainEpochOptions } from './model';
export { MODEL_NAMES } from './models';
export type { ModelName, ModelOptions, DeviceName } from './models';
export type { BnMode, RuntimeInfo } from './native';
import { loadNative } from './native';
export { loadNative };
export { train, summarise } from './train';
export type { TrainOptions, EpochRecord, TrainSummary } from './train';
export * from './policy';
export { parseSchedule, lrAt } from './schedule';
export type { Schedule } from './schedule';
export { backwardMacs, idealBackwardSaving, frozenParamsPct } from './cost';
export { loadDataSpec, limitData } from './data/spec';
export { readIdxFolder, parseIdxImages, parseIdxLabels } from './data/idx';
export { readCifar10, readCifar100 } from './data/cifar';
export { readMnistDigits } from './data/mnist-digits';
export { makeSynthetic } from './data/synthetic';
export type { SyntheticSpec } from './data/synthetic';
export { stratifiedSubset } from './data/subset';
export { defaultAugment, MNIST_STATS, CIFAR_STATS } from './data/augment';
export type { AugmentOptions } from './data/augment';
export type { ImageDataset, DatasetPair } from './data/types';

/** Runtime facts: libtorch version and whether it sees a GPU. */
export function runtimeInfo() {
  return loadNative().runtimeInfo();
}
