// scripts/bench-cpu-cache: training steps with the addon's caching CPU allocator on and off,
// interleaved step by step in one process, with the page faults each step took.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { loadNative } from '../native';
import { median } from './bench';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      models: { type: 'string', default: 'mnist-net:128,resnet20:128,vgg16:16' },
    },
  });
  const steps = Number(values.steps);
  const threads = Number(values.threads);
  const native = loadNative();
  if (!native.runtimeInfo().cpuCache.enabled) throw new Error('the caching allocator is not installed (LAYEROUT_CPU_CACHE=0?)');
  console.log(`caching CPU allocator off vs on, ${threads} thread(s), ${steps} interleaved steps, median step (forward + backward + update); ` +
    `${cpus()[0]?.model ?? 'cpu'}, libtorch ${native.runtimeInfo().torchVersion}\n`);
  console.log('| model | batch | off ms | on ms | on ÷ off | page faults per step off / on |');
  console.log('|---|---|---|---|---|---|');
  for (const spec of values.models.split(',')) {
    const [name, batchText] = spec.split(':');
    const batch = Number(batchText ?? 128);
    const model = new Model({ model: name });
    const [c, h, w] = model.info.inputShape;
    model.setData('train', patternDataset(batch, [c, h, w], 10, 'bench'));
    const times: number[][] = [[], []];
    const faults: number[][] = [[], []];
    for (let s = 0; s < steps + 2; s++) {
      for (const on of [0, 1]) {
        native.setCpuCache(on === 1);
        await model.timeSteps({ steps: 1, batchSize: batch, threads }); // warms the cache for the timed step
        const before = process.resourceUsage().minorPageFault;
        const t = await model.timeSteps({ steps: 1, batchSize: batch, threads });
        const after = process.resourceUsage().minorPageFault;
        if (s >= 2) {
          times[on].push(t.forwardMs[0] + t.backwardMs[0] + t.optimizerMs[0]);
          faults[on].push(after - before);
        }
      }
    }
    const [off, on] = times.map(median);
    const [fOff, fOn] = faults.map(median);
    console.log(`| ${name} | ${batch} | ${off.toFixed(1)} | ${on.toFixed(1)} | ${(on / off).toFixed(3)} | ${fOff} / ${fOn} |`);
  }
  native.setCpuCache(true);
}

main().catch((e) => {
  console.error(`bench-cpu-cache: ${(e as Error).message}`);
  process.exitCode = 1;
});
