// scripts/bench-data-parallel: training-step time of N ranks x 1 thread (data parallel over
// c10d/Gloo) against 1 rank x N threads, per freeze mask, with the bytes all-reduced and the
// all-reduce's share of the step. Each round runs every configuration once, alternating, so the
// shared machine's drift touches both alike; each configuration is a fresh set of processes
// that trains `--epochs` timed epochs (after one warm-up epoch) of `--steps` global batches.
import { defaultOf } from '../config/fields';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { DataParallel } from '../distributed/group';
import { checkDistributed } from '../distributed/options';
import { Model } from '../model';
import { median } from './bench';
import { expandMasks } from './masks';

interface WorkerJob {
  model: string;
  mask: boolean[];
  steps: number;
  batch: number;
  epochs: number;
  threads: number;
  rank: number;
  world: number;
  store: string;
}

interface WorkerResult {
  stepMs: number[];
  allreduceMs: number[];
  bytesPerStep: number;
}

async function worker(job: WorkerJob): Promise<WorkerResult> {
  const model = new Model({ model: job.model });
  const shape = model.info.inputShape as [number, number, number];
  model.setData('train', patternDataset(job.steps * job.batch, shape, 10, 'bench'));
  const group = job.world > 1 ? await DataParallel.join(model, checkDistributed({ rank: job.rank, worldSize: job.world, storeFile: job.store })) : undefined;
  model.setFrozen(job.mask);
  const result: WorkerResult = { stepMs: [], allreduceMs: [], bytesPerStep: 0 };
  for (let e = 0; e <= job.epochs; e++) {
    const stats = await model.trainEpoch({ epoch: e, lr: 0.01, batchSize: job.batch, threads: job.threads });
    if (e === 0) continue; // warm-up
    result.stepMs.push(stats.epochMs / stats.batches);
    result.allreduceMs.push(stats.allreduceMs / stats.batches);
    result.bytesPerStep = stats.allreducedBytes / stats.batches;
  }
  await group?.leave(true);
  return result;
}

function runWorkers(job: Omit<WorkerJob, 'rank' | 'store'>): Promise<WorkerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'layerout-bench-dp-'));
  const store = join(dir, 'store');
  const runs = Array.from({ length: job.world }, (_, rank) =>
    new Promise<WorkerResult>((resolve, reject) => {
      const child = spawn(process.execPath, [__filename, '--worker', JSON.stringify({ ...job, rank, store })], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench rank ${rank} exited with ${code}`))));
    }),
  );
  return Promise.all(runs)
    .then((results) => results[0]) // rank 0 speaks for the group (ranks run in lockstep)
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' },
      model: { type: 'string', default: 'mnist-net' },
      masks: { type: 'string', default: 'none,efreeze,all-but-last' },
      nproc: { type: 'string', default: '2' },
      batch: { type: 'string', default: String(defaultOf('batchSize')) },
      steps: { type: 'string', default: '12' },
      epochs: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
    },
  });
  if (values.worker) {
    process.stdout.write(JSON.stringify(await worker(JSON.parse(values.worker))));
    return;
  }
  const n = Number(values.nproc);
  const [batch, steps, epochs, rounds] = [values.batch, values.steps, values.epochs, values.rounds].map(Number);
  const probe = new Model({ model: values.model as string });
  const masks = expandMasks((values.masks as string).split(','), probe.units, values.model as string);
  console.log(`# ${values.model}, global batch ${batch}, ${steps} steps x ${epochs} epochs per run, ${rounds} rounds: ${n} ranks x 1 thread vs 1 rank x ${n} threads`);
  console.log('| mask | 1x' + n + ' step ms | ' + n + 'x1 step ms | ratio ' + n + 'x1 / 1x' + n + ' | all-reduce share | MB all-reduced per step |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, mask } of masks) {
    const one: number[] = [];
    const many: number[] = [];
    const share: number[] = [];
    let bytes = 0;
    for (let r = 0; r < rounds; r++) {
      const a = await runWorkers({ model: values.model as string, mask, steps, batch, epochs, threads: n, world: 1 });
      const b = await runWorkers({ model: values.model as string, mask, steps, batch, epochs, threads: 1, world: n });
      one.push(...a.stepMs);
      many.push(...b.stepMs);
      b.stepMs.forEach((ms, i) => share.push(b.allreduceMs[i] / ms));
      bytes = b.bytesPerStep;
    }
    const [m1, mn] = [median(one), median(many)];
    console.log(`| ${name} | ${m1.toFixed(1)} | ${mn.toFixed(1)} | ${(mn / m1).toFixed(3)} | ${(100 * median(share)).toFixed(1)}% | ${(bytes / 1e6).toFixed(2)} |`);
  }
}

main().catch((e) => {
  console.error(`bench-data-parallel: ${(e as Error).message}`);
  process.exit(1);
});
