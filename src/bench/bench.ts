// The backward-time benchmark: per mask, median step phases measured interleaved in one process,
// against the ideal saving from the units' multiply-adds.
import { defaultOf } from '../config/fields';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { frozenParamsShare, idealBackwardSaving } from '../cost';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { defaultThreads, type DeviceName, type ModelName, type Precision, type TorchScriptSource } from '../models';
import type { NetworkSpec } from '../spec/types';
import { loadNative } from '../native';
import type { BnMode } from '../types';
import { expandMasks } from './masks';
import type { BenchResult, BenchRow } from './types';

export type { BenchResult, BenchRow } from './types';

export interface BenchOptions {
  model: ModelName | NetworkSpec | TorchScriptSource;
  /** TorchScript models: the input shape C, H, W. */
  inputShape?: [number, number, number];
  /** Channels-last memory format for conv weights and inputs. */
  channelsLast?: boolean;
  precision?: Precision;
  classes?: number;
  batch?: number;
  steps?: number;
  warmup?: number;
  threads?: number;
  device?: DeviceName;
  masks: string[];
  bn?: BnMode;
  seed?: number;
  onProgress?: (message: string) => void;
}

/** Below this ideal saving a realisation is a ratio of noise to almost nothing: not reported. */
export const MIN_IDEAL_SAVING = 0.1;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Resident-set high-water mark since the last reset (Linux); null elsewhere. */
function residentPeak(reset: boolean): number | null {
  try {
    if (reset) writeFileSync('/proc/self/clear_refs', '5');
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const batch = options.batch ?? defaultOf('batchSize');
  const steps = options.steps ?? 10;
  const warmup = options.warmup ?? 2;
  const threads = options.threads ?? defaultThreads();
  const bn = options.bn ?? defaultOf('bn');
  const model = new Model({ model: options.model, classes: options.classes, device: options.device, seed: options.seed ?? defaultOf('seed'), inputShape: options.inputShape, channelsLast: options.channelsLast, precision: options.precision });
  const [c, h, w] = model.info.inputShape;
  model.setData('train', patternDataset(batch, [c, h, w], model.info.classes, 'bench'));
  const masks = expandMasks(options.masks, model.units, model.info.model, options.seed ?? defaultOf('seed'));
  const say = options.onProgress ?? (() => {});

  // Memory and warm-up, mask by mask.
  const peak = new Map<string, number | null>();
  for (const { name, mask } of masks) {
    model.setFrozen(mask, bn);
    model.cudaPeakMemory(true);
    const rss = residentPeak(true);
    await model.timeSteps({ steps: warmup, batchSize: batch, threads });
    peak.set(name, model.cudaPeakMemory(false) ?? (rss === null ? null : residentPeak(false)));
  }
  // Timed steps, interleaved round-robin so machine drift affects every mask alike.
  const times = new Map(masks.map((m) => [m.name, { f: [] as number[], b: [] as number[], o: [] as number[] }]));
  for (let s = 0; s < steps; s++) {
    for (const { name, mask } of masks) {
      model.setFrozen(mask, bn);
      const t = await model.timeSteps({ steps: 1, batchSize: batch, threads });
      const acc = times.get(name)!;
      acc.f.push(...t.forwardMs);
      acc.b.push(...t.backwardMs);
      acc.o.push(...t.optimizerMs);
    }
    say(`step ${s + 1}/${steps}`);
  }
  const baseBackward = median(times.get('none')!.b);
  const rows = masks.map(({ name, mask }): BenchRow => {
    const t = times.get(name)!;
    const backwardMs = median(t.b);
    const backwardRatio = backwardMs / baseBackward;
    const idealSaving = idealBackwardSaving(model.units, mask, bn);
    return {
      mask: name,
      frozen: mask,
      frozenUnits: mask.filter(Boolean).length,
      frozenParamsShare: frozenParamsShare(model.units, mask, bn),
      forwardMs: median(t.f),
      backwardMs,
      optimizerMs: median(t.o),
      backwardRatio,
      idealBackwardRatio: idealSaving === null ? null : 1 - idealSaving,
      realization: idealSaving !== null && idealSaving >= MIN_IDEAL_SAVING ? (1 - backwardRatio) / idealSaving : null,
      peakMemoryBytes: peak.get(name) ?? null,
    };
  });
  const runtime = loadNative().runtimeInfo();
  return {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, device: model.info.device, torch: runtime.torchVersion },
    model: model.info.model,
    batch,
    threads,
    steps,
    rows,
  };
}
