// scripts/study-ink-regression: a regression task on real data. From a 7x7 average-pooled copy of
// each Fashion-MNIST image (the model never sees the full image), predict the share of the
// original 28x28 pixels above 128 (how much "ink" the garment has). Trains an mlp with each
// regression loss and reports test RMSE, MAE and R^2 against predicting the training mean.
//   scripts/study-ink-regression [--train 6000] [--test 1000] [--epochs 10] [--seeds 1,2,3] [--threads 2]
import { parseArgs } from 'node:util';
import { limitData, loadDataSpec } from '../data/spec';
import type { ImageDataset } from '../data/types';
import { train } from '../train';

const POOL = 4;

/** The pooled inputs ([N, 1, 7, 7] floats in [0, 1]) and the ink share of each image (one target). */
export function inkRegression(set: ImageDataset, name: string): ImageDataset {
  const [n, c, h, w] = set.shape;
  if (c !== 1 || h % POOL || w % POOL) throw new Error(`ink regression needs one-channel images whose sides divide by ${POOL}, got ${set.shape.join('x')}`);
  const [ph, pw] = [h / POOL, w / POOL];
  const images = new Float32Array(n * ph * pw);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let ink = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = set.images[i * h * w + y * w + x];
        if (v > 128) ink++;
        images[i * ph * pw + Math.floor(y / POOL) * pw + Math.floor(x / POOL)] += v / (255 * POOL * POOL);
      }
    }
    labels[i] = ink / (h * w);
  }
  return { name, images, labels, shape: [n, 1, ph, pw], classes: 1 };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { train: { type: 'string', default: '6000' }, test: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '10' }, seeds: { type: 'string', default: '1,2,3' }, threads: { type: 'string', default: '2' } }, strict: true });
  const seeds = values.seeds!.split(',').map(Number);
  const rows: string[] = [];
  for (const loss of ['mse', 'l1', 'huber:delta=0.05'] as const) {
    const results: { rmse: number; r2: number; baseline: number }[] = [];
    for (const seed of seeds) {
      const pixels = limitData(loadDataSpec('fashion-mnist'), Number(values.train), Number(values.test), seed);
      const data = { kind: 'fashion-mnist-ink', train: inkRegression(pixels.train, 'fashion-mnist-ink/train'), test: inkRegression(pixels.test, 'fashion-mnist-ink/test'), classes: 1 };
      const { summary } = await train({ model: 'mlp', hidden: [64, 32], inputShape: [1, 7, 7], data, loss, optimizer: 'adamw', epochs: Number(values.epochs), batchSize: 64, seed, threads: Number(values.threads) });
      const last = summary as Required<typeof summary>;
      const record = { rmse: last.finalTestRmse, r2: last.finalTestR2, baseline: last.baselineTestRmse };
      results.push(record);
      console.error(`${loss} seed ${seed}: test RMSE ${record.rmse.toFixed(4)} (predicting the training mean: ${record.baseline.toFixed(4)}), R^2 ${record.r2.toFixed(3)}`);
    }
    const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    const sd = (f: (r: (typeof results)[number]) => number) => Math.sqrt(results.reduce((s, r) => s + (f(r) - mean(f)) ** 2, 0) / Math.max(1, results.length - 1));
    rows.push(`| ${loss} | ${results.length} | ${mean((r) => r.rmse).toFixed(4)} ± ${sd((r) => r.rmse).toFixed(4)} | ${mean((r) => r.baseline).toFixed(4)} | ${mean((r) => r.r2).toFixed(3)} ± ${sd((r) => r.r2).toFixed(3)} |`);
  }
  console.log('| loss | seeds | test RMSE | predicting the training mean | test R^2 |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`study-ink-regression: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
