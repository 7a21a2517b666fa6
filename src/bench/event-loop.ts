// scripts/event-loop: how long the first native work blocks the event loop. Each case runs in a
// fresh process with a 5 ms interval timer; the figure is the longest gap between its ticks
// beyond the 5 ms (the stall), from the moment the case starts until it is done.
//   scripts/event-loop [--rounds 3]
//   cases: runtimeInfo() as the first call (no preload), `await ready()` then runtimeInfo(),
//   the first train() (which preloads), and the first Model.load().
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const INDEX = JSON.stringify(join(__dirname, '..', 'index.js'));

/** The child's program: a ticker, then the case, then the largest gap as JSON. */
function program(body: string): string {
  return `const lib = require(${INDEX});
let last = performance.now(), worst = 0;
const timer = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last - 5); last = now; }, 5);
(async () => {
  await new Promise((r) => setTimeout(r, 50)); worst = 0; last = performance.now();
  const t0 = performance.now();
  ${body}
  const total = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  console.log(JSON.stringify({ stallMs: worst, totalMs: total }));
})().catch((e) => { console.error(e); process.exit(1); });`;
}

function run(body: string): { stallMs: number; totalMs: number } {
  const r = spawnSync(process.execPath, ['-e', program(body)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`case failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: 'string', default: '3' } }, strict: true });
  const dir = mkdtempSync(join(tmpdir(), 'layerout-event-loop-'));
  try {
    const data = `lib.loadDataSpec('synthetic:3:60:1x8x8')`;
    // A checkpoint for the Model.load case, made by a process of its own.
    run(`await lib.train({ model: 'mlp', hidden: [8], data: ${data}, epochs: 1, out: ${JSON.stringify(join(dir, 'run'))} });`);
    const cases: [string, string][] = [
      ['runtimeInfo() first, no preload', `lib.runtimeInfo();`],
      ['await ready(), then runtimeInfo()', `await lib.ready(); lib.runtimeInfo();`],
      ['first train() (tiny mlp, 1 epoch)', `await lib.train({ model: 'mlp', hidden: [8], data: ${data}, epochs: 1 });`],
      ['first Model.load()', `await lib.Model.load(${JSON.stringify(join(dir, 'run'))});`],
    ];
    console.log('| first native work | longest event-loop stall, ms (each round) | time to done, ms (median) |');
    console.log('|---|---|---|');
    for (const [name, body] of cases) {
      const results = Array.from({ length: Number(values.rounds) }, () => run(body));
      const totals = results.map((r) => r.totalMs).sort((a, b) => a - b);
      console.log(`| ${name} | ${results.map((r) => r.stallMs.toFixed(0)).join(', ')} | ${totals[totals.length >> 1].toFixed(0)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
