// scripts/bench-cpu-tuning: training steps with one of the addon's CPU tunings off and on
// (--feature cache: the caching CPU allocator; fused-sgd: the fused SGD kernel), interleaved step
// by step in one process, with the page faults each step took.
import { defaultOf } from '../config/fields';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { loadNative } from '../native';
import { median } from './bench';

const FEATURES = { cache: 'caching CPU allocator', 'fused-sgd': 'fused SGD kernel' } as const;
type Feature = keyof typeof FEATURES;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      feature: { type: 'string', default: 'cache' },
      steps: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      models: { type: 'string', default: 'mnist-net:128,resnet20:128,vgg16:16' },
    },
  });
  const feature = values.feature as Feature;
  if (!(feature in FEATURES)) throw new Error(`--feature must be one of ${Object.keys(FEATURES).join(', ')}`);
  const steps = Number(values.steps);
  const threads = Number(values.threads);
  const native = loadNative();
  const set = (on: boolean) => native.setCpuTuning(feature === 'cache' ? { cache: on } : { fusedSgd: on });
  console.log(`${FEATURES[feature]} off vs on, ${threads} thread(s), ${steps} interleaved steps, median step (forward + backward + update); ` +
    `${cpus()[0]?.model ?? 'cpu'}, libtorch ${native.runtimeInfo().torchVersion}\n`);
  console.log('| model | batch | off ms | on ms | on ÷ off | optimizer ms off / on | page faults per step off / on |');
  console.log('|---|---|---|---|---|---|---|');
  try {
    await compare(values.models.split(','), steps, threads, set);
  } finally {
    set(true);
  }
  const info = native.runtimeInfo();
  if (feature === 'cache' && !info.cpuCache.enabled) console.log('\nThe caching allocator is not installed (LAYEROUT_CPU_CACHE=0): both columns ran without it.');
  if (feature === 'fused-sgd' && info.fusedSgd !== 'on') console.log(`\nThe fused SGD kernel is ${info.fusedSgd}: both columns ran without it.`);
}

async function compare(specs: string[], steps: number, threads: number, set: (on: boolean) => void): Promise<void> {
  for (const spec of specs) {
    const [name, batchText] = spec.split(':');
    const batch = Number(batchText ?? defaultOf('batchSize'));
    const model = new Model({ model: name });
    const [c, h, w] = model.info.inputShape;
    model.setData('train', patternDataset(batch, [c, h, w], 10, 'bench'));
    const times: number[][] = [[], []];
    const optimizer: number[][] = [[], []];
    const faults: number[][] = [[], []];
    for (let s = 0; s < steps + 2; s++) {
      for (const on of [0, 1]) {
        set(on === 1);
        await model.timeSteps({ steps: 1, batchSize: batch, threads }); // refills the cache after a switch
        const before = process.resourceUsage().minorPageFault;
        const t = await model.timeSteps({ steps: 1, batchSize: batch, threads });
        const after = process.resourceUsage().minorPageFault;
        if (s >= 2) {
          times[on].push(t.forwardMs[0] + t.backwardMs[0] + t.optimizerMs[0]);
          optimizer[on].push(t.optimizerMs[0]);
          faults[on].push(after - before);
        }
      }
    }
    const [off, on] = times.map(median);
    const [oOff, oOn] = optimizer.map(median);
    const [fOff, fOn] = faults.map(median);
    console.log(`| ${name} | ${batch} | ${off.toFixed(1)} | ${on.toFixed(1)} | ${(on / off).toFixed(3)} | ${oOff.toFixed(1)} / ${oOn.toFixed(1)} | ${fOff} / ${fOn} |`);
  }
}

main().catch((e) => {
  console.error(`bench-cpu-tuning: ${(e as Error).message}`);
  process.exitCode = 1;
});
