// scripts/lock-race: many processes race for one run folder's lock, on a lock left by a dead
// process, on an empty lock file past its grace period, and on no lock at all; every trial must
// have exactly one winner. `node dist/run/lock-race.js [--trials 200] [--contenders 6]`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCK_FILE, LOCK_GRACE_MS } from './lock';

const RACER = join(__dirname, '..', '..', 'test', 'fixtures', 'lock-racer.cjs');

export type LockScene = 'dead-owner' | 'empty' | 'none';

/** The pid of a process that has exited (its lock is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** One trial: `contenders` processes start in the same millisecond on a folder set up as `scene`; returns how many won. */
export async function raceOnce(scene: LockScene, contenders: number): Promise<{ winners: number; reasons: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'layerout-lock-race-'));
  try {
    const lock = join(dir, LOCK_FILE);
    if (scene === 'dead-owner') writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }) + '\n');
    if (scene === 'empty') {
      writeFileSync(lock, '');
      const old = (Date.now() - LOCK_GRACE_MS - 1000) / 1000;
      utimesSync(lock, old, old);
    }
    const startAt = Date.now() + 400; // after every contender has loaded
    // A winner holds the lock until every contender has answered (its stdin is closed then), so
    // two winners means two held it at once, however late a contender started.
    const children = Array.from({ length: contenders }, () => spawn(process.execPath, [RACER, dir, String(startAt)], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const answers = children.map((child) => new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', () => resolve(out.trim()));
    }));
    const outputs = await Promise.all(answers);
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      if (child.exitCode !== null) resolve();
      child.stdin.end();
    })));
    return { winners: outputs.filter((o) => o === 'won').length, reasons: outputs.filter((o) => o !== 'won') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { trials: { type: 'string', default: '200' }, contenders: { type: 'string', default: '6' } }, strict: true });
  const trials = Number(values.trials);
  const contenders = Number(values.contenders);
  let bad = 0;
  for (const scene of ['dead-owner', 'empty', 'none'] as const) {
    const counts = new Map<number, number>();
    for (let t = 0; t < trials; t++) {
      const { winners, reasons } = await raceOnce(scene, contenders);
      counts.set(winners, (counts.get(winners) ?? 0) + 1);
      if (winners !== 1) {
        bad++;
        console.error(`${scene} trial ${t + 1}: ${winners} winners; ${reasons.join(' | ')}`);
      }
    }
    console.log(`${scene}: ${trials} trials of ${contenders} contenders: ${[...counts].sort((a, b) => a[0] - b[0]).map(([w, n]) => `${n}× ${w} winner${w === 1 ? '' : 's'}`).join(', ')}`);
  }
  return bad === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(`lock-race: ${(e as Error).message}`);
    process.exit(1);
  });
}
