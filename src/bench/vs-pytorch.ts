// scripts/bench-vs-pytorch: the addon and the PyTorch peer (scripts/peer/peer.py) on the same
// model, masks, batch, threads and device, alternating, with ratios addon ÷ PyTorch.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { defaultThreads, type DeviceName, type ModelName } from '../models';
import { vsPytorchMarkdown } from '../report/bench-report';
import { median, runBenchmark } from './bench';
import { expandMasks } from './masks';
import { findPython, peer } from './peer';
import type { BenchResult, PhaseMs, VsPytorchResult } from './types';
import { readVsPytorchOptions, UsageError } from './vs-pytorch-args';

interface PeerBench {
  torch: string;
  rows: { mask: string; forwardMs: number; backwardMs: number; optimizerMs: number; backwardRatio: number }[];
}

/** Plain PyTorch: libtorch's own dispatch level, whatever this process asked for. */
function defaultPeerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.ATEN_CPU_CAPABILITY;
  return env;
}

/**
 * The images the epoch comparison feeds a model, from its input shape: single-channel models get
 * MNIST-sized images 4 pixels smaller (padded up to the input, as the MNIST family is trained).
 */
function dataShape([c, h, w]: number[]): [number, number, number] {
  return c === 1 ? [1, h - 4, w - 4] : [c, h, w];
}

async function addonEpochMs(model: ModelName, samples: number, batch: number, threads: number, device: string, epochs: number, tuning: Tuning): Promise<{ epochMs: number; dataMs: number }[]> {
  const m = new Model({ model, device: device as DeviceName, ...tuning });
  const [c, h, w] = dataShape(m.info.inputShape);
  m.setData('train', patternDataset(samples, [c, h, w], 10));
  const augment = { cropPad: 4, flip: c === 3, eraseP: c === 3 ? 0.5 : 0, mean: Array(c).fill(0.5), std: Array(c).fill(0.25) };
  const out: { epochMs: number; dataMs: number }[] = [];
  for (let e = 0; e < epochs; e++) out.push(await m.trainEpoch({ epoch: e, lr: 0.01, batchSize: batch, threads, augment }));
  return out;
}

interface Tuning {
  channelsLast: boolean;
  precision: 'fp32' | 'bf16';
}

export async function main(argv: string[]): Promise<number> {
  const { model, batch, steps, rounds, device, samples, json, out, masks: names, precision, ...given } = readVsPytorchOptions(argv);
  const probe = new Model({ model, device: device as DeviceName });
  // The addon's defaults unless told otherwise (channels-last is per model: Model resolves it).
  const channelsLast = given.channelsLast ?? probe.channelsLast;
  const tuning: Tuning = { channelsLast, precision };
  // The same settings, the PyTorch way (scripts/peer/peer.py); the dispatch level through the env.
  const sameFlags = [...(channelsLast ? ['--channels-last'] : []), ...(precision === 'bf16' ? ['--bf16'] : [])];
  const threads = given.threads ?? defaultThreads();
  const python = findPython(given.python);
  const units = probe.units;
  const masks = expandMasks(names, units, model);
  const tmp = mkdtempSync(join(tmpdir(), 'layerout-peer-'));
  writeFileSync(join(tmp, 'masks.json'), JSON.stringify(masks));
  const log = (m: string) => process.stderr.write(m + '\n');

  const addonRuns: BenchResult[] = [];
  const peerRuns: PeerBench[] = [];
  const addonEpochs: number[] = [];
  const dataShares: number[] = [];
  const peerEpochs: number[] = [];
  const samePeerEpochs: number[] = [];
  const shape = dataShape(probe.info.inputShape).join(',');
  const peerCommon = ['--model', model, '--batch', String(batch), '--threads', String(threads), '--device', device];
  try {
    for (let r = 0; r < rounds; r++) {
      log(`round ${r + 1}/${rounds}: addon steps`);
      addonRuns.push(await runBenchmark({ model, batch, steps, threads, device, masks: names, ...tuning }));
      log(`round ${r + 1}/${rounds}: pytorch steps`);
      peerRuns.push(peer(python, ['bench', ...peerCommon, '--steps', String(steps), '--masks', join(tmp, 'masks.json')], defaultPeerEnv()) as PeerBench);
      log(`round ${r + 1}/${rounds}: addon epoch`);
      for (const e of await addonEpochMs(model, samples, batch, threads, device, 1, tuning)) {
        addonEpochs.push(e.epochMs);
        dataShares.push(e.dataMs / e.epochMs);
      }
      log(`round ${r + 1}/${rounds}: pytorch epoch`);
      const aug = shape.startsWith('3') ? ['--flip', '--erase', '0.5'] : [];
      const epochArgs = ['epoch', ...peerCommon, '--samples', String(samples), '--epochs', '1', '--shape', shape, '--pad', '4', ...aug];
      const pe = peer(python, epochArgs, defaultPeerEnv()) as { epochMs: number[] };
      peerEpochs.push(...pe.epochMs);
      log(`round ${r + 1}/${rounds}: pytorch epoch, same settings as the addon`);
      const same = peer(python, [...epochArgs, ...sameFlags]) as { epochMs: number[] };
      samePeerEpochs.push(...same.epochMs);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const phases = (runs: { rows: ({ mask: string } & PhaseMs)[] }[], mask: string): PhaseMs => {
    const at = (key: keyof PhaseMs) => median(runs.map((run) => run.rows.find((row) => row.mask === mask)![key]));
    return { forwardMs: at('forwardMs'), backwardMs: at('backwardMs'), optimizerMs: at('optimizerMs') };
  };
  const rows = masks.map(({ name }) => {
    const a = phases(addonRuns, name);
    const p = phases(peerRuns, name);
    const realization = median(addonRuns.map((run) => run.rows.find((row) => row.mask === name)!.realization ?? NaN));
    return {
      mask: name,
      addon: a,
      pytorch: p,
      ratio: { forward: a.forwardMs / p.forwardMs, backward: a.backwardMs / p.backwardMs, optimizer: a.optimizerMs / p.optimizerMs },
      addonRealization: Number.isNaN(realization) ? null : realization,
    };
  });
  const result: VsPytorchResult = {
    model,
    batch,
    threads,
    device,
    rounds,
    steps,
    torch: { addon: addonRuns[0].machine.torch, pytorch: peerRuns[0].torch },
    machine: addonRuns[0].machine,
    rows,
    epoch: {
      samples,
      addonMs: median(addonEpochs),
      pytorchMs: median(peerEpochs),
      ratio: median(addonEpochs) / median(peerEpochs),
      addonDataShare: median(dataShares),
      samePytorchMs: median(samePeerEpochs),
      sameRatio: median(addonEpochs) / median(samePeerEpochs),
    },
    settings: { channelsLast, precision, atenCpuCapability: process.env.ATEN_CPU_CAPABILITY ?? 'default' },
  };
  const md = vsPytorchMarkdown(result);
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'vs-pytorch.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(out, 'vs-pytorch.md'), md);
  }
  process.stdout.write(json ? JSON.stringify(result) + '\n' : md);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`bench-vs-pytorch: ${(e as Error).message}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}
