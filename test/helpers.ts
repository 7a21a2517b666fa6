// Shared fixtures: tiny data and models so every test stays fast on two cores.
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSynthetic, patternDataset } from '../src/data/synthetic';
import type { DatasetPair } from '../src/data/types';
import { Model } from "../src/model";
import type { ModelOptions } from '../src/models';

export const THREADS = 1;

export function tinyDigits(count = 64, classes = 10): DatasetPair {
  return makeSynthetic({ classes, count, shape: [1, 28, 28], seed: 7 });
}

/** 3x32x32 batches (16 train, 8 test) for the CIFAR-shaped models; content does not matter. */
export function cifarShaped(): DatasetPair {
  return { kind: 'synthetic', train: patternDataset(16, [3, 32, 32], 10), test: patternDataset(8, [3, 32, 32], 10), classes: 10 };
}

export function modelWithData(options: ModelOptions, data: DatasetPair = tinyDigits()): Model {
  const model = new Model(options);
  model.setData('train', data.train, data.kind);
  model.setData('test', data.test, data.kind);
  return model;
}

const tempDirs: string[] = [];
// Every test file that takes a temp folder here gets it removed when the file's tests end.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'layerout-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** One epoch with the paper's optimizer settings (momentum and weight decay on). */
export function epoch(model: Model, e: number, extra: Partial<Parameters<Model['trainEpoch']>[0]> = {}) {
  return model.trainEpoch({ epoch: e, lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 16, threads: THREADS, ...extra });
}
