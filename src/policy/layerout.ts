// LayerOut: each unit frozen with probability v_i. Covers `layerout`, `efreeze`, `dfreeze`, the
// warm-up variants, and the authors' released behaviour (`compat: 'reference-code'`).
import { Rng, type RngState } from './rng';
import type { FreezePolicy, PolicyContext } from './types';

export type Compat = 'paper' | 'reference-code';

export interface LayerOutOptions {
  /** Fixed probability vector (freeze probabilities; keep probabilities under reference-code). */
  v?: number[];
  /** 'epoch': a new v ~ U[0,1]^K every epoch (the paper's text); 'once': one v per run (authors' code). */
  sampleV?: 'epoch' | 'once';
  /** Baseline (unfrozen) epochs before LayerOut starts. */
  warmup?: number;
  compat?: Compat;
  /**
   * 'epoch' (default): one mask per epoch. 'batch': a new mask for every batch, drawn from the
   * epoch's v (stochastic-depth-like granularity); `batchMasks` draws them all up front.
   */
  every?: 'epoch' | 'batch';
}

/** What a LayerOut policy's checkpoint holds: its generator's state and its vector. */
export interface LayerOutState {
  rng: RngState;
  v: number[] | null;
}

/** The paper's manual vectors (design notes), efreeze order; dfreeze is the reverse. */
const PAPER_EFREEZE: Record<string, number[]> = {
  'mnist-net': [0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1],
  vgg16: [0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1],
};

/** efreeze: v decreasing with depth (early units frozen more); dfreeze: increasing. */
export function manualVector(kind: 'efreeze' | 'dfreeze', model: string, k: number): number[] {
  const paper = PAPER_EFREEZE[model];
  const e =
    paper && paper.length === k
      ? [...paper]
      : Array.from({ length: k }, (_, i) => (k === 1 ? 0.5 : 0.9 - (0.8 * i) / (k - 1)));
  return kind === 'efreeze' ? e : e.reverse();
}

const MAX_REDRAWS = 10000;

export class LayerOutPolicy implements FreezePolicy {
  readonly name: string;
  private readonly k: number;
  private readonly fixedV: number[] | undefined;
  private readonly sampleV: 'epoch' | 'once';
  private readonly warmup: number;
  private readonly compat: Compat;
  readonly every: 'epoch' | 'batch';
  private rng: Rng;
  private v: number[] | null = null;

  constructor(ctx: PolicyContext, options: LayerOutOptions = {}, label = 'layerout') {
    this.k = ctx.units.length;
    this.compat = options.compat ?? 'paper';
    this.warmup = options.warmup ?? 0;
    this.fixedV = options.v;
    this.every = options.every ?? 'epoch';
    if (this.every !== 'epoch' && this.every !== 'batch') throw new RangeError(`every must be epoch or batch, got ${String(this.every)}`);
    // The authors' code draws its vector once per run.
    this.sampleV = this.compat === 'reference-code' ? 'once' : (options.sampleV ?? 'epoch');
    if (this.fixedV) {
      if (this.fixedV.length !== this.k) {
        throw new RangeError(`v has ${this.fixedV.length} entries but the model has ${this.k} freeze units`);
      }
      this.fixedV.forEach((p, i) => {
        if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`v[${i}] must be in [0, 1], got ${p}`);
      });
      const freezeProb = this.freezeProbabilities(this.fixedV);
      if (freezeProb.every((p) => p >= 1)) throw new RangeError('v freezes every unit with certainty; at least one must be able to train');
    }
    if (this.k < 2) throw new RangeError(`${label} needs a model with at least 2 freeze units`);
    this.rng = new Rng(`layerout:${ctx.seed}`);
    const parts = [this.fixedV ? 'v=fixed' : `sample=${this.sampleV}`];
    if (this.warmup) parts.push(`warmup=${this.warmup}`);
    if (this.compat !== 'paper') parts.push(`compat=${this.compat}`);
    if (this.every === 'batch') parts.push('every=batch');
    this.name = `${label}(${parts.join(', ')})`;
  }

  isLayerOutEpoch(epoch: number): boolean {
    return epoch >= this.warmup;
  }

  resetsMomentum(epoch: number): boolean {
    return this.compat === 'reference-code' && this.isLayerOutEpoch(epoch);
  }

  mask(epoch: number): boolean[] {
    if (!this.isLayerOutEpoch(epoch)) return Array(this.k).fill(false);
    return this.draw(this.freezeProbabilities(this.currentV()));
  }

  /**
   * every=batch: one mask per batch of a LayerOut epoch, all drawn now, in batch order, from
   * the epoch's v (a new v per epoch unless sample=once or v is fixed) and this policy's RNG,
   * so a resumed run draws the same ones. Null for warm-up epochs and for every=epoch.
   */
  batchMasks(epoch: number, batches: number): boolean[][] | null {
    if (this.every !== 'batch' || !this.isLayerOutEpoch(epoch)) return null;
    if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`batches must be a positive whole number, got ${batches}`);
    const freezeProb = this.freezeProbabilities(this.currentV());
    return Array.from({ length: batches }, () => this.draw(freezeProb));
  }

  private draw(freezeProb: number[]): boolean[] {
    for (let attempt = 0; attempt < MAX_REDRAWS; attempt++) {
      const draws = freezeProb.map((p) => this.rng.next() < p);
      const mask = this.compat === 'reference-code' ? leadingRun(draws) : draws;
      if (!mask.every(Boolean)) return mask;
    }
    throw new Error(`could not draw a mask that leaves a unit trainable in ${MAX_REDRAWS} tries`);
  }

  getState(): LayerOutState {
    return { rng: this.rng.state(), v: this.v };
  }

  setState(state: unknown): void {
    const s = state as LayerOutState;
    if (!s || typeof s !== 'object' || !('rng' in s)) throw new TypeError('not a layerout policy state');
    this.rng = new Rng('', s.rng);
    this.v = s.v;
  }

  /** Under reference-code semantics the vector is the probability of training a unit. */
  private freezeProbabilities(v: number[]): number[] {
    return this.compat === 'reference-code' ? v.map((p) => 1 - p) : v;
  }

  private currentV(): number[] {
    if (this.fixedV) return this.fixedV;
    if (this.sampleV === 'once' && this.v) return this.v;
    this.v = Array.from({ length: this.k }, () => this.rng.next());
    return this.v;
  }
}

/** The authors' indexing slip: a unit is frozen only if it and every unit before it drew "freeze". */
export function leadingRun(draws: boolean[]): boolean[] {
  let run = true;
  return draws.map((d) => (run = run && d));
}
