// scripts/bench-own-networks: step time of resnet20 built in, written as a spec
// (examples/resnet20.json) and scripted in PyTorch (scripts/peer/script_model.py resnet20), all three
// interleaved in one process so the shared machine's drift touches each alike.
import { defaultOf } from '../config/fields';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { loadNative } from '../native';
import { median } from './bench';
import { expandMasks } from './masks';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '10' },
      batch: { type: 'string', default: String(defaultOf('batchSize')) },
      threads: { type: 'string', default: '2' },
      python: { type: 'string', default: '/usr/bin/python3' },
      // One memory format for all three doors (the built-in's own default on CPU is channels-last).
      'channels-last': { type: 'boolean', default: false },
    },
  });
  const channelsLast = Boolean(values['channels-last']);
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const threads = Number(values.threads);
  const root = join(__dirname, '..', '..');
  const script = join(mkdtempSync(join(tmpdir(), 'layerout-bench-')), 'resnet20.pt');
  execFileSync(values.python as string, [join(root, 'scripts', 'peer', 'script_model.py'), 'resnet20', script]);
  const models: [string, Model][] = [
    ['built-in resnet20', new Model({ model: 'resnet20', channelsLast })],
    ['examples/resnet20.json', new Model({ model: JSON.parse(readFileSync(join(root, 'examples', 'resnet20.json'), 'utf8')), channelsLast })],
    ['TorchScript resnet20', new Model({ model: { torchscript: script }, inputShape: [3, 32, 32], channelsLast })],
  ];
  const data = patternDataset(batch, [3, 32, 32], 10, 'bench');
  for (const [, m] of models) m.setData('train', data);
  const masks = expandMasks(['none', 'efreeze', 'all-but-last'], models[0][1].units, 'resnet20');
  const times = new Map<string, number[]>();
  const key = (model: string, mask: string) => `${model}|${mask}`;
  for (const round of ['warm-up', 'timed'] as const) {
    for (let s = 0; s < (round === 'warm-up' ? 2 : steps); s++) {
      for (const { name, mask } of masks) {
        for (const [label, m] of models) {
          m.setFrozen(mask, 'train');
          const t = await m.timeSteps({ steps: 1, batchSize: batch, threads });
          if (round === 'timed') {
            const list = times.get(key(label, name)) ?? [];
            list.push(t.forwardMs[0] + t.backwardMs[0] + t.optimizerMs[0]);
            times.set(key(label, name), list);
          }
        }
      }
      process.stderr.write(`\r${round} step ${s + 1}`);
    }
  }
  process.stderr.write('\n');
  const runtime = loadNative().runtimeInfo();
  console.log(`resnet20, batch ${batch}, ${threads} thread(s), ${channelsLast ? 'channels-last' : 'NCHW'} for all three, ${steps} interleaved steps per model and mask, median step (forward + backward + update); ${cpus()[0]?.model ?? 'cpu'}, libtorch ${runtime.torchVersion}\n`);
  console.log(`| mask | ${models.map(([l]) => l).join(' ms | ')} ms | spec ÷ built-in | TorchScript ÷ built-in |`);
  console.log(`|---|${models.map(() => '---|').join('')}---|---|`);
  for (const { name } of masks) {
    const m = models.map(([label]) => median(times.get(key(label, name))!));
    console.log(`| ${name} | ${m.map((v) => v.toFixed(1)).join(' | ')} | ${(m[1] / m[0]).toFixed(3)} | ${(m[2] / m[0]).toFixed(3)} |`);
  }
}

main().catch((e) => {
  console.error(`bench-own-networks: ${(e as Error).message}`);
  process.exitCode = 1;
});
