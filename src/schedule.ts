// Learning-rate schedules, evaluated per epoch (0-based).
export type Schedule =
  | { kind: 'constant' }
  | { kind: 'multistep'; milestones: number[]; factor?: number }
  | { kind: 'resnet110' }
  | { kind: 'cosine'; minLr?: number };

export const SCHEDULE_HELP = 'constant, multistep:M1,M2[:FACTOR], resnet110, cosine[:MIN_LR]';

export function parseSchedule(text: string): Schedule {
  const [kind, a, b, ...rest] = text.split(':');
  const bad = (why: string) => new RangeError(`--schedule: ${why}; allowed: ${SCHEDULE_HELP}`);
  if (rest.length) throw bad(`too many parts in '${text}'`);
  if (kind === 'constant' && a === undefined) return { kind };
  if (kind === 'resnet110' && a === undefined) return { kind };
  if (kind === 'cosine' && b === undefined) {
    const minLr = a === undefined ? undefined : Number(a);
    if (minLr !== undefined && !(minLr >= 0)) throw bad(`cosine minimum must be a number >= 0, got '${a}'`);
    return { kind, minLr };
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
  const fields: Record<string, string[]> = { constant: [], resnet110: [], cosine: ['minLr'], multistep: ['milestones', 'factor'] };
  const allowed = typeof s.kind === 'string' ? fields[s.kind] : undefined;
  if (!allowed || !Object.hasOwn(fields, s.kind as string)) throw new RangeError(`schedule.kind must be one of ${Object.keys(fields).join(', ')}, got ${JSON.stringify(s.kind)}`);
  const extra = Object.keys(s).find((k) => k !== 'kind' && !allowed.includes(k));
  if (extra) throw new RangeError(`schedule: a ${s.kind} schedule has no field '${extra}'`);
  const text = [s.kind as string];
  if (s.kind === 'multistep') {
    if (!Array.isArray(s.milestones) || s.milestones.length === 0) throw new RangeError('schedule.milestones must be a non-empty array of epoch numbers');
    text.push(s.milestones.map(String).join(','));
    if (s.factor !== undefined) text.push(String(s.factor));
  } else if (s.kind === 'cosine' && s.minLr !== undefined) text.push(String(s.minLr));
  const parsed = parseSchedule(text.join(':'));
  for (const k of ['factor', 'minLr'] as const) {
    if (k in s && s[k] !== undefined && typeof s[k] !== 'number') throw new TypeError(`schedule.${k} must be a number`);
  }
  return parsed;
}

/** The learning rate for `epoch` (0-based) of `epochs`, starting from `baseLr`. */
export function lrAt(schedule: Schedule, baseLr: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
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
