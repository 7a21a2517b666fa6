// The design notes' cost model: per unit, forward = input-gradient = weight-gradient = its MACs.
import type { BnMode } from './types';

export interface CostUnit {
  /** Null: unknown (then the cost model has no answer). */
  macs: number | null;
  params: number;
  bnParams: number;
  hasBatchNorm: boolean;
}

/** What frozen units' BatchNorms do: one mode, or one per unit (units pinned by `freeze` keep theirs). */
export type BnModes = BnMode | readonly BnMode[];

function modeOf(bn: BnModes, unit: number): BnMode {
  return typeof bn === 'string' ? bn : bn[unit];
}

/** Whether a unit still has a trainable tensor under the mask (its BatchNorm counts). */
function trains(unit: CostUnit, frozen: boolean, bn: BnMode): boolean {
  return !frozen || (unit.hasBatchNorm && bn === 'train');
}

/**
 * Backward multiply-adds under a mask: a trainable unit computes its weight gradient; a unit
 * computes its input gradient only if something before it still trains (so a frozen prefix,
 * including its BatchNorms when they are frozen too, records no backward at all).
 */
export function backwardMacs(units: readonly CostUnit[], mask: readonly boolean[], bn: BnModes): number | null {
  if (units.some((u) => u.macs === null)) return null;
  let total = 0;
  let trainableBefore = false;
  units.forEach((u, i) => {
    if (!mask[i]) total += u.macs as number; // weight gradient
    if (trainableBefore) total += u.macs as number; // input gradient
    trainableBefore = trainableBefore || trains(u, mask[i], modeOf(bn, i));
  });
  return total;
}

/** Share of the unfrozen network's backward multiply-adds that the mask skips; null when unknown. */
export function idealBackwardSaving(units: readonly CostUnit[], mask: readonly boolean[], bn: BnModes): number | null {
  const base = backwardMacs(units, units.map(() => false), bn);
  const left = backwardMacs(units, mask, bn);
  if (base === null || left === null) return null;
  return base === 0 ? 0 : 1 - left / base;
}

/** Parameters that still train under the mask (a frozen unit's BatchNorm affine trains when bn is 'train'). */
export function trainableParams(units: readonly CostUnit[], mask: readonly boolean[], bn: BnModes): number {
  let trainable = 0;
  units.forEach((u, i) => {
    trainable += !mask[i] ? u.params : modeOf(bn, i) === 'train' ? u.bnParams : 0;
  });
  return trainable;
}

/** Share (0..1) of all trainable parameters frozen by the mask (BatchNorm affine only when frozen too). */
export function frozenParamsShare(units: readonly CostUnit[], mask: readonly boolean[], bn: BnModes): number {
  const total = units.reduce((s, u) => s + u.params, 0);
  return total === 0 ? 0 : (total - trainableParams(units, mask, bn)) / total;
}
