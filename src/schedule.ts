// Learning-rate schedules: per epoch (0-based), or per step (cosine-step, onecycle), and a
// linear warm-up over the first steps composed with any of them.
export type Schedule =
  | { kind: 'constant' }
  | { kind: 'multistep'; milestones: number[]; factor?: number }
  | { kind: 'resnet110' }
  | { kind: 'cosine'; minLr?: number }
  | { kind: 'cosine-step'; minLr?: number }
  | { kind: 'onecycle'; pctStart?: number };

export const SCHEDULE_HELP = 'constant, multistep:M1,M2[:FACTOR], resnet110, cosine[:MIN_LR] (per epoch), cosine-step[:MIN_LR] or onecycle[:PCT_START] (per step)';

export function parseSchedule(text: string): Schedule {
  const [kind, a, b, ...rest] = text.split(':');
  const bad = (why: string) => new RangeError(`schedule: ${why}; allowed: ${SCHEDULE_HELP}`);
  if (rest.length) throw bad(`too many parts in '${text}'`);
  if (kind === 'constant' && a === undefined) return { kind };
  if (kind === 'resnet110' && a === undefined) return { kind };
  if ((kind === 'cosine' || kind === 'cosine-step') && b === undefined) {
    const minLr = a === undefined ? undefined : Number(a);
    if (minLr !== undefined && !(minLr >= 0)) throw bad(`cosine minimum must be a number >= 0, got '${a}'`);
    return { kind, minLr };
  }
  if (kind === 'onecycle' && b === undefined) {
    const pctStart = a === undefined ? undefined : Number(a);
    if (pctStart !== undefined && !(pctStart > 0 && pctStart < 1)) throw bad(`onecycle's rising share must be in (0, 1), got '${a}'`);
    return { kind, pctStart };
  }
  if (kind === 'multistep' && a !== undefined) {
    const milestones = a.split(',').map(Number);
    if (milestones.some((m) => !Number.isInteger(m) || m < 1)) throw bad(`milestones must be epoch numbers, got '${a}'`);
    const factor = b === undefined ? undefined : Number(b);
    if (factor !== undefined && !(factor > 0 && factor <= 1)) throw bad(`factor must be in (0, 1], got '${b}'`);
    return { kind, milestones, factor };
  }
  throw bad(`cannot read '${text}'`);
}

/** A Schedule given as an object, checked as the same text would be (RangeError/TypeError naming `schedule`). */
export function checkSchedule(value: unknown): Schedule {
  if (typeof value === 'string') return parseSchedule(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('schedule must be a schedule string or object like { kind: "multistep", milestones: [150, 225] }');
  const s = value as Record<string, unknown>;
  const fields: Record<string, string[]> = { constant: [], resnet110: [], cosine: ['minLr'], 'cosine-step': ['minLr'], onecycle: ['pctStart'], multistep: ['milestones', 'factor'] };
  const allowed = typeof s.kind === 'string' ? fields[s.kind] : undefined;
  if (!allowed || !Object.hasOwn(fields, s.kind as string)) throw new RangeError(`schedule.kind must be one of ${Object.keys(fields).join(', ')}, got ${JSON.stringify(s.kind)}`);
  const extra = Object.keys(s).find((k) => k !== 'kind' && !allowed.includes(k));
  if (extra) throw new RangeError(`schedule: a ${s.kind} schedule has no field '${extra}'`);
  const text = [s.kind as string];
  if (s.kind === 'multistep') {
    if (!Array.isArray(s.milestones) || s.milestones.length === 0) throw new RangeError('schedule.milestones must be a non-empty array of epoch numbers');
    text.push(s.milestones.map(String).join(','));
    if (s.factor !== undefined) text.push(String(s.factor));
  } else if ((s.kind === 'cosine' || s.kind === 'cosine-step') && s.minLr !== undefined) text.push(String(s.minLr));
  else if (s.kind === 'onecycle' && s.pctStart !== undefined) text.push(String(s.pctStart));
  const parsed = parseSchedule(text.join(':'));
  for (const k of ['factor', 'minLr', 'pctStart'] as const) {
    if (k in s && s[k] !== undefined && typeof s[k] !== 'number') throw new TypeError(`schedule.${k} must be a number`);
  }
  return parsed;
}

/** Whether the schedule changes the rate within an epoch. */
export function isPerStep(schedule: Schedule): boolean {
  return schedule.kind === 'cosine-step' || schedule.kind === 'onecycle';
}

/** Where a per-step rate is asked for: the step (0-based, counted over the whole run) of how many. */
export interface StepPosition {
  step: number;
  steps: number;
}

/**
 * The learning rate for `epoch` (0-based) of `epochs`, starting from `baseLr`; per-step schedules
 * need the step's position (without one they give the epoch's first step's rate).
 */
export function lrAt(schedule: Schedule, baseLr: number, epoch: number, epochs: number, at?: StepPosition): number {
  switch (schedule.kind) {
    case 'cosine-step': {
      const { step, steps } = at ?? { step: epoch, steps: epochs };
      const min = schedule.minLr ?? 0;
      return min + ((baseLr - min) * (1 + Math.cos((Math.PI * step) / steps))) / 2;
    }
    case 'onecycle': {
      // torch.optim.lr_scheduler.OneCycleLR's defaults: from baseLr / 25 up to baseLr over the
      // first pctStart of the steps, then down to baseLr / 25e4, both on a cosine.
      const { step, steps } = at ?? { step: epoch, steps: epochs };
      const initial = baseLr / 25;
      const final = initial / 1e4;
      const peak = (schedule.pctStart ?? 0.3) * steps - 1;
      const anneal = (from: number, to: number, share: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * share) + 1);
      if (step <= peak) return anneal(initial, baseLr, peak > 0 ? step / peak : 1);
      return anneal(baseLr, final, Math.min(1, (step - peak) / Math.max(1, steps - 1 - peak)));
    }
    case 'constant':
      return baseLr;
    case 'multistep': {
      const passed = schedule.milestones.filter((m) => epoch >= m).length;
      return baseLr * Math.pow(schedule.factor ?? 0.1, passed);
    }
    case 'resnet110':
      // The paper: 0.01 for 4 epochs, then 0.1, divided by 10 at epochs 82 and 123 (base lr 0.1).
      if (epoch < 4) return baseLr / 10;
      return baseLr * Math.pow(0.1, [82, 123].filter((m) => epoch >= m).length);
    case 'cosine': {
      const min = schedule.minLr ?? 0;
      return min + ((baseLr - min) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
    }
  }
}

/**
 * Each batch's rate in `epoch` (of `batches` batches) when it differs within the epoch (a per-step
 * schedule, or warm-up not yet over): the schedule's rate times min(1, (step + 1) / warmupSteps).
 * Null when every batch takes the epoch's rate.
 */
export function stepRates(schedule: Schedule, baseLr: number, epoch: number, epochs: number, batches: number, warmupSteps: number): number[] | null {
  const first = epoch * batches;
  if (!isPerStep(schedule) && first >= warmupSteps) return null;
  const steps = epochs * batches;
  return Array.from({ length: batches }, (_, b) => {
    const step = first + b;
    const warm = warmupSteps > 0 ? Math.min(1, (step + 1) / warmupSteps) : 1;
    return lrAt(schedule, baseLr, epoch, epochs, { step, steps }) * warm;
  });
}
