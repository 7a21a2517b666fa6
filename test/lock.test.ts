// One writer per run folder, under races: many processes start in the same millisecond on a lock
// left by a dead process, on an empty lock file, and on none; exactly one wins every time
// (scripts/lock-race runs the same with 200 trials each).
import { describe, expect, it } from 'vitest';
import { raceOnce } from '../src/run/lock-race';

describe('the run folder lock under a race', () => {
  for (const scene of ['dead-owner', 'empty', 'none'] as const) {
    it(`has exactly one winner among 5 processes, 8 trials (${scene})`, async () => {
      for (let t = 0; t < 8; t++) {
        const { winners, reasons } = await raceOnce(scene, 5);
        expect({ trial: t, winners, reasons: winners === 1 ? [] : reasons }).toEqual({ trial: t, winners: 1, reasons: [] });
        expect(reasons.every((r) => /^lost run folder .* is in use/.test(r)), reasons.join(' | ')).toBe(true);
      }
    });
  }
});
