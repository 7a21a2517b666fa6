// scripts/bench-memory-format: the default (NCHW) vs channels-last memory format, per model and
// mask, both models interleaved step by step in one process.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { loadNative } from '../native';
import { median } from './bench';
import { expandMasks } from './masks';


async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: 'string', default: '8' }, threads: { type: 'string', default: '2' } } });
  const steps = Number(values.steps);
  const threads = Number(values.threads);
  console.log(`default (NCHW) vs channels-last, ${threads} thread(s), ${steps} interleaved steps, median step (forward + backward + update); ` +
    `${cpus()[0]?.model ?? 'cpu'}, libtorch ${loadNative().runtimeInfo().torchVersion}\n`);
  console.log('| model | batch | mask | NCHW ms | channels-last ms | channels-last ÷ NCHW |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, batch] of [['resnet20', 128], ['mnist-net', 128], ['vgg16', 16]] as const) {
    const pair = [false, true].map((channelsLast) => new Model({ model: name, channelsLast }));
    const [c, h, w] = pair[0].info.inputShape;
    for (const m of pair) m.setData('train', patternDataset(batch, [c, h, w], 10, 'bench'));
    for (const { name: maskName, mask } of expandMasks(['none', 'efreeze'], pair[0].units, name)) {
      const times: number[][] = [[], []];
      for (let s = 0; s < steps + 2; s++) {
        for (let i = 0; i < 2; i++) {
          pair[i].setFrozen(mask, 'train');
          const t = await pair[i].timeSteps({ steps: 1, batchSize: batch, threads });
          if (s >= 2) times[i].push(t.forwardMs[0] + t.backwardMs[0] + t.optimizerMs[0]);
        }
      }
      const [a, b] = times.map(median);
      console.log(`| ${name} | ${batch} | ${maskName} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(3)} |`);
    }
  }
}

main().catch((e) => {
  console.error(`bench-memory-format: ${(e as Error).message}`);
  process.exitCode = 1;
});
