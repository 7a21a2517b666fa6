// A run's summary from its epoch records: accuracies, the paper's two frozen-share means, times
// and the final weights' digest.
import type { Model } from '../model';
import type { DataLoadReport } from '../data/types';
import type { EndReason, EpochRecord, TrainSummary } from '../types';

export function mean(values: number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0;
}

/** How a run ended: its reason, and where a non-finite loss stopped it. */
export interface RunEnd {
  reason: EndReason;
  nonFinite?: TrainSummary['nonFinite'];
  /** 'non-finite-weights': the parameters that held a NaN or an infinity after the epoch. */
  nonFiniteParams?: string[];
}

/** How each model's data was read (image folders), for every summary written of its run. */
const dataLoads = new WeakMap<Model, DataLoadReport>();

export function noteDataLoad(model: Model, load: DataLoadReport): void {
  dataLoads.set(model, load);
}

export function summarise(model: Model, policyName: string, epochs: number, records: readonly EpochRecord[], end: RunEnd): TrainSummary {
  const acc = records.map((r) => r.testAcc).filter((a): a is number => a !== undefined);
  const rmse = records.map((r) => r.testRmse).filter((a): a is number => a !== undefined);
  const last = records[records.length - 1];
  const regression = rmse.length > 0;
  const epochMs = records.reduce((s, r) => s + r.epochMs, 0);
  const dataMs = records.reduce((s, r) => s + r.dataMs, 0);
  return {
    model: model.info.model,
    policy: policyName,
    device: model.info.device,
    epochs,
    epochsDone: records.length,
    interrupted: end.reason !== 'completed',
    endReason: end.reason,
    ...(end.nonFinite ? { nonFinite: end.nonFinite } : {}),
    ...(end.nonFiniteParams ? { nonFiniteParams: end.nonFiniteParams } : {}),
    ...(records.some((r) => r.skippedBatches) ? { skippedBatches: records.reduce((s, r) => s + (r.skippedBatches ?? 0), 0) } : {}),
    ...(regression
      ? { bestTestRmse: Math.min(...rmse), finalTestRmse: rmse[rmse.length - 1], ...(last.testR2 !== undefined ? { finalTestR2: last.testR2 } : {}), ...(last.testBaselineRmse !== undefined ? { baselineTestRmse: last.testBaselineRmse } : {}) }
      : { bestTestAcc: acc.length ? Math.max(...acc) : 0, finalTestAcc: acc.length ? acc[acc.length - 1] : 0 }),
    meanFrozenParamsShareLayerOut: mean(records.filter((r) => r.layerOutEpoch).map((r) => r.frozenParamsShare)),
    meanFrozenParamsShareAll: mean(records.map((r) => r.frozenParamsShare)),
    meanIdealBackwardSavedShare: records.some((r) => r.idealBackwardSavedShare === null) ? null : mean(records.map((r) => r.idealBackwardSavedShare as number)),
    totalMs: epochMs,
    backwardMs: records.reduce((s, r) => s + r.backwardMs, 0),
    dataMs,
    dataShare: epochMs > 0 ? dataMs / epochMs : 0,
    digest: model.digest(),
    ...dataLoadFields(dataLoads.get(model)),
  };
}

function dataLoadFields(load: DataLoadReport | undefined): Pick<TrainSummary, 'skippedFiles' | 'dataFrom'> {
  if (!load) return {};
  return { dataFrom: load.from, ...(load.skipped.length ? { skippedFiles: load.skipped } : {}) };
}
