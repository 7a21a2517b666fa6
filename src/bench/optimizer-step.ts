// scripts/bench-optimizer: the optimizer phase of a training step (the update and clearing the
// gradients), the addon against torch.optim(foreach=True) on the same network's parameters,
// alternating in one run (median milliseconds per step, then their ratio).
//   scripts/bench-optimizer [--model resnet20] [--optimizer adamw] [--steps 20] [--rounds 3] [--threads T] [--batch 32]
import { parseArgs } from 'node:util';
import { Model } from '../model';
import { defaultThreads, modelNames } from '../models';
import { OPTIMIZER_NAMES, type OptimizerName } from '../optim/registry';
import { patternDataset } from '../data/synthetic';
import { findPython, peer } from './peer';

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string', default: 'resnet20' }, optimizer: { type: 'string', default: 'adamw' }, steps: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string' }, batch: { type: 'string', default: '32' }, json: { type: 'boolean' } }, strict: true });
  const model = values.model!;
  const optimizer = values.optimizer as OptimizerName;
  if (!modelNames().includes(model)) throw new Error(`--model must be one of ${modelNames().join(', ')}`);
  if (!OPTIMIZER_NAMES.includes(optimizer)) throw new Error(`--optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}`);
  const [steps, rounds, batch] = [values.steps, values.rounds, values.batch].map((v) => Number(v));
  const threads = values.threads ? Number(values.threads) : defaultThreads();
  const python = findPython();
  const addon = new Model({ model, seed: 0 });
  addon.setTraining({ optimizer });
  addon.setData('train', patternDataset(batch, addon.info.inputShape as [number, number, number], 10));
  const peerArgs = ['optim-bench', '--model', model, '--optimizer', optimizer, '--batch', String(batch), '--steps', String(steps), '--warmup', '3', '--threads', String(threads), ...(addon.channelsLast ? ['--channels-last'] : [])];
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await addon.timeSteps({ steps: 3, batchSize: batch, threads });
    ours.push(median((await addon.timeSteps({ steps, batchSize: batch, threads })).optimizerMs));
    theirs.push((peer(python, peerArgs) as { optimizerMs: number }).optimizerMs);
  }
  const result = { model, optimizer, params: addon.info.totalParams, threads, batch, steps, rounds, addonMs: median(ours), pytorchMs: median(theirs), ratio: median(ours) / median(theirs), addonRounds: ours, pytorchRounds: theirs };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log('| model | optimizer | parameters | threads | addon ms | PyTorch foreach ms | addon ÷ PyTorch |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| ${model} | ${optimizer} | ${result.params.toLocaleString('en-US')} | ${threads} | ${result.addonMs.toFixed(3)} | ${result.pytorchMs.toFixed(3)} | ${result.ratio.toFixed(2)} |`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`bench-optimizer: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
