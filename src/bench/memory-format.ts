// scripts/bench-memory-format: the default (NCHW) vs channels-last memory format, per model and
// mask, both models interleaved step by step (or epoch by epoch) in one process.
import { defaultOf } from '../config/fields';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { loadNative } from '../native';
import { median } from './bench';
import { expandMasks } from './masks';
import { positive } from './vs-pytorch-args';

const EPOCH_SAMPLES = 2048;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '8' },
      epochs: { type: 'string' },
      threads: { type: 'string', default: '2' },
      models: { type: 'string', default: 'resnet20:128,mnist-net:128,vgg16:16' },
    },
  });
  const epochs = positive('epochs', values.epochs);
  const steps = positive('steps', values.steps, 8);
  const threads = positive('threads', values.threads, 2);
  const what = epochs
    ? `${epochs} interleaved training epochs of ${EPOCH_SAMPLES} samples (alternating which layout goes first), median epoch`
    : `${steps} interleaved steps, median step (forward + backward + update)`;
  console.log(`default (NCHW) vs channels-last, ${threads} thread(s), ${what}; ${cpus()[0]?.model ?? 'cpu'}, libtorch ${loadNative().runtimeInfo().torchVersion}\n`);
  console.log('| model | batch | mask | NCHW ms | channels-last ms | channels-last ÷ NCHW |');
  console.log('|---|---|---|---|---|---|');
  for (const spec of values.models.split(',')) {
    const [name, batchText] = spec.split(':');
    const batch = positive('models (batch)', batchText, defaultOf('batchSize'));
    const pair = [false, true].map((channelsLast) => new Model({ model: name, channelsLast }));
    const [c, h, w] = pair[0].info.inputShape;
    for (const m of pair) m.setData('train', patternDataset(epochs ? EPOCH_SAMPLES : batch, [c, h, w], 10, 'bench'));
    for (const { name: maskName, mask } of expandMasks(['none', 'efreeze'], pair[0].units, name)) {
      const times: number[][] = [[], []];
      const warmUp = epochs ? 1 : 2;
      for (let s = 0; s < warmUp + (epochs ?? steps); s++) {
        for (const i of s % 2 ? [1, 0] : [0, 1]) {
          pair[i].setFrozen(mask, 'train');
          const ms = epochs ? await timeEpoch(pair[i], s, batch, threads) : await timeStep(pair[i], batch, threads);
          if (s >= warmUp) times[i].push(ms);
        }
      }
      const [a, b] = times.map(median);
      console.log(`| ${name} | ${batch} | ${maskName} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(3)} |`);
    }
  }
}

async function timeStep(model: Model, batch: number, threads: number): Promise<number> {
  const t = await model.timeSteps({ steps: 1, batchSize: batch, threads });
  return t.forwardMs[0] + t.backwardMs[0] + t.optimizerMs[0];
}

async function timeEpoch(model: Model, epoch: number, batch: number, threads: number): Promise<number> {
  const start = performance.now();
  await model.trainEpoch({ epoch, lr: 0.01, batchSize: batch, threads });
  return performance.now() - start;
}

main().catch((e) => {
  console.error(`bench-memory-format: ${(e as Error).message}`);
  process.exitCode = 1;
});
