// `freeze=UNITS` (any policy) and `--freeze UNITS`: units that stay frozen every epoch, as when
// fine-tuning a pretrained backbone; the policy decides over the remaining units only.
import type { EpochRecord, FreezeUnit } from '../types';
import type { FreezePolicy } from './types';

const RANGE = /^(\d+)(?:-(\d+))?$/;
const NAME = /^[A-Za-z0-9_.*:\/\[\]-]+$/;

/** Checks the syntax of a unit selection: comma-separated indices, ranges `A-B` (inclusive) and unit names (`*` matches any run of characters). */
export function parseUnitSelection(text: string, name = 'freeze'): string {
  if (typeof text !== 'string' || text.trim() === '') throw new RangeError(`${name} needs units: indices, ranges (0-5) or unit names, comma-separated`);
  for (const item of text.split(',')) {
    if (!RANGE.test(item) && !NAME.test(item)) throw new RangeError(`${name}: '${item}' is not a unit index, a range A-B or a unit name`);
    const m = RANGE.exec(item);
    if (m && m[2] !== undefined && Number(m[2]) < Number(m[1])) throw new RangeError(`${name}: the range ${item} is empty (write A-B with A <= B)`);
  }
  return text;
}

/** The units a selection names, as a mask; unknown names and indices past the last unit are errors naming the units there are. */
export function selectUnits(text: string, units: readonly FreezeUnit[], name = 'freeze'): boolean[] {
  parseUnitSelection(text, name);
  const pins = units.map(() => false);
  const last = units.length - 1;
  for (const item of text.split(',')) {
    const m = RANGE.exec(item);
    if (m && !units.some((u) => u.name === item)) {
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (to > last) throw new RangeError(`${name}: unit ${to} does not exist; the model has units 0-${last}`);
      for (let i = from; i <= to; i++) pins[i] = true;
      continue;
    }
    const pattern = new RegExp(`^${item.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const hits = units.filter((u) => pattern.test(u.name));
    if (hits.length === 0) {
      throw new RangeError(`${name}: no unit is named '${item}'; the units are ${units.map((u) => `${u.index} ${u.name}`).join(', ')}`);
    }
    for (const u of hits) pins[u.index] = true;
  }
  if (pins.every(Boolean)) throw new RangeError(`${name}=${text} freezes every unit; at least one unit must train`);
  return pins;
}

/** A policy over the unpinned units, with the pinned ones frozen in every mask. */
export class PinnedPolicy implements FreezePolicy {
  readonly name: string;
  /** Where each of the inner policy's units sits in the model. */
  private readonly free: number[];

  constructor(
    private readonly inner: FreezePolicy,
    readonly pinned: readonly boolean[],
    selection: string,
  ) {
    this.name = `${inner.name} freeze=${selection}`;
    this.free = pinned.flatMap((p, i) => (p ? [] : [i]));
    if (inner.batchMasks) this.batchMasks = (epoch, batches) => inner.batchMasks!(epoch, batches)?.map((m) => this.full(m)) ?? null;
    if (inner.observe) this.observe = (record) => inner.observe!(record);
  }

  /** The units the inner policy decides over, numbered from 0. */
  static freeUnits(units: readonly FreezeUnit[], pinned: readonly boolean[]): FreezeUnit[] {
    return units.filter((_, i) => !pinned[i]).map((u, k) => ({ ...u, index: k }));
  }

  batchMasks?: (epoch: number, batches: number) => boolean[][] | null;
  observe?: (record: EpochRecord) => void | Promise<void>;

  mask(epoch: number): boolean[] {
    return this.full(this.inner.mask(epoch));
  }

  isLayerOutEpoch(epoch: number): boolean {
    return this.inner.isLayerOutEpoch(epoch);
  }

  resetsMomentum(epoch: number): boolean {
    return this.inner.resetsMomentum(epoch);
  }

  getState(): unknown {
    return this.inner.getState();
  }

  setState(state: unknown): void {
    this.inner.setState(state);
  }

  private full(inner: readonly boolean[]): boolean[] {
    if (inner.length !== this.free.length) throw new Error(`policy ${this.inner.name} gave ${inner.length} mask entries for ${this.free.length} unfrozen units`);
    const mask = [...this.pinned];
    this.free.forEach((unit, k) => (mask[unit] = inner[k]));
    return mask;
  }
}
