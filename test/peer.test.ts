// The PyTorch peer runs with Debian's python3-torch (the same libtorch 1.13) at /usr/bin/python3.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'scripts', 'peer', 'peer.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`peer tests skipped: ${PYTHON} has no torch (apt-get install python3-torch; npm run setup does)`);

function peer(...args: string[]) {
  const r = spawnSync(PYTHON, [PEER, ...args, '--threads', '1'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!hasTorch)('the PyTorch peer', () => {
  it('builds the same models as the addon (parameter counts and unit counts)', () => {
    expect(peer('count', '--model', 'mnist-net')).toEqual({ model: 'mnist-net', units: 7, totalParams: 491114 });
    expect(peer('count', '--model', 'resnet20')).toEqual({ model: 'resnet20', units: 20, totalParams: 269722 });
    expect(peer('count', '--model', 'resnet110-bottleneck')).toEqual({ model: 'resnet110-bottleneck', units: 167, totalParams: 1704154 });
  });

  it('profiles a step by operator, grouped into phases that add up to the step', () => {
    const p = peer('profile', '--model', 'mnist-net', '--batch', '4', '--steps', '1');
    const phases = Object.fromEntries(p.phases.map((x: { phase: string; ms: number }) => [x.phase, x.ms]));
    expect(phases['convolution forward']).toBeGreaterThan(0);
    expect(phases['convolution backward (input + weight gradients)']).toBeGreaterThan(0);
    expect(phases.linear).toBeGreaterThan(0);
    const sum = p.phases.reduce((s: number, x: { ms: number }) => s + x.ms, 0);
    expect(sum).toBeCloseTo(p.stepMs, 6);
  });

  it('times steps per mask and runs an augmented epoch', () => {
    const masks = join(tempDir(), 'masks.json');
    writeFileSync(masks, JSON.stringify([
      { name: 'none', mask: Array(7).fill(false) },
      { name: 'all-but-last', mask: [true, true, true, true, true, true, false] },
    ]));
    const bench = peer('bench', '--model', 'mnist-net', '--batch', '4', '--steps', '2', '--warmup', '1', '--masks', masks);
    expect(bench.rows.map((r: { mask: string }) => r.mask)).toEqual(['none', 'all-but-last']);
    expect(bench.rows[1].backwardRatio).toBeLessThan(0.5);
    const epoch = peer('epoch', '--model', 'resnet20', '--samples', '16', '--batch', '8', '--epochs', '1', '--flip', '--erase', '0.5');
    expect(epoch.epochMs).toHaveLength(1);
    expect(epoch.epochMs[0]).toBeGreaterThan(0);
  });
});
