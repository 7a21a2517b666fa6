// Policies without randomness: baseline, FreezeOut's schedule, and user functions.
import type { FreezeUnit } from '../types';
import type { FreezePolicy, MaskFunction, PolicyContext } from './types';

/** The base of the policies without state of their own (nothing to checkpoint). */
export abstract class StatelessPolicy implements FreezePolicy {
  abstract readonly name: string;
  abstract mask(epoch: number): boolean[];
  isLayerOutEpoch(_epoch: number): boolean {
    return true;
  }
  resetsMomentum(_epoch: number): boolean {
    return false;
  }
  getState(): unknown {
    return null;
  }
  setState(_state: unknown): void {}
}

export class NonePolicy extends StatelessPolicy {
  readonly name = 'none';
  constructor(private readonly k: number) {
    super();
  }
  override isLayerOutEpoch(): boolean {
    return false;
  }
  mask(): boolean[] {
    return Array(this.k).fill(false);
  }
}

export interface FreezeOutOptions {
  /** Fraction of training at which the first unit freezes (default 0.5). */
  t0?: number;
  /** Spacing of the later units' freezing times (default 'cubic', as FreezeOut recommends). */
  spacing?: 'linear' | 'cubic';
}

/**
 * FreezeOut (Brock et al. 2017): unit i stops training after a fraction t_i of the run, t_0 for
 * the first unit rising to 1 for the last (which therefore never freezes). Only the freezing
 * schedule is reproduced, not FreezeOut's per-layer learning-rate annealing.
 */
export class FreezeOutPolicy extends StatelessPolicy {
  readonly name: string;
  readonly times: number[];
  constructor(private readonly ctx: PolicyContext, options: FreezeOutOptions = {}) {
    super();
    const t0 = options.t0 ?? 0.5;
    if (!(t0 > 0 && t0 <= 1)) throw new RangeError(`freezeout t0 must be in (0, 1], got ${t0}`);
    const spacing = options.spacing ?? 'cubic';
    const k = ctx.units.length;
    this.times = Array.from({ length: k }, (_, i) => {
      const frac = k === 1 ? 1 : i / (k - 1);
      return spacing === 'linear' ? t0 + (1 - t0) * frac : Math.pow(Math.cbrt(t0) + (1 - Math.cbrt(t0)) * frac, 3);
    });
    this.name = `freezeout(t0=${t0}, ${spacing})`;
  }
  mask(epoch: number): boolean[] {
    const progress = epoch / this.ctx.epochs;
    return this.times.map((t, i) => i < this.times.length - 1 && progress >= t);
  }
}

export class FunctionPolicy extends StatelessPolicy {
  readonly name = 'custom';
  constructor(private readonly fn: MaskFunction, private readonly units: readonly FreezeUnit[]) {
    super();
  }
  mask(epoch: number): boolean[] {
    return this.fn(epoch, this.units);
  }
}
