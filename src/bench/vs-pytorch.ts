// scripts/bench-vs-pytorch: the addon and the PyTorch peer (scripts/peer/peer.py) on the same
// model, masks, batch, threads and device, alternating, with ratios addon ÷ PyTorch.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError, type OptionDefs } from '../cli/args';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { defaultThreads, MODEL_NAMES, type DeviceName, type ModelName } from '../models';
import { packageRoot } from '../prebuilt';
import { median, runBenchmark, type BenchResult } from './bench';
import { expandMasks } from './masks';

const OPTIONS: OptionDefs = {
  model: { type: 'string', help: MODEL_NAMES.join(', '), choices: MODEL_NAMES },
  batch: { type: 'int', help: 'batch size (default 128)', min: 1 },
  steps: { type: 'int', help: 'timed steps per mask and round (default 10)', min: 1 },
  rounds: { type: 'int', help: 'alternating rounds (default 2)', min: 1 },
  threads: { type: 'int', help: 'threads on both sides (default: all cores)', min: 1 },
  device: { type: 'string', help: 'cpu or cuda' },
  masks: { type: 'string', help: 'comma-separated mask names (default none,efreeze,dfreeze,layerout:2,all-but-last)' },
  samples: { type: 'int', help: 'samples per timed epoch (default 2048)', min: 1 },
  python: { type: 'string', help: 'a Python with torch (default /usr/bin/python3, else python3)' },
  json: { type: 'flag', help: 'print one JSON object' },
  out: { type: 'string', help: 'write vs-pytorch.json and vs-pytorch.md here' },
};

interface PeerBench {
  torch: string;
  rows: { mask: string; forwardMs: number; backwardMs: number; optimizerMs: number; backwardRatio: number }[];
}

function findPython(given?: string): string {
  for (const py of given ? [given] : ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  throw new Error(`no Python with torch found${given ? ` at ${given}` : ''}: on Debian/Ubuntu apt-get install python3-torch (npm run setup does)`);
}

function peer(python: string, args: string[]): unknown {
  return JSON.parse(execFileSync(python, [join(packageRoot, 'scripts', 'peer', 'peer.py'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

async function addonEpochMs(model: ModelName, samples: number, batch: number, threads: number, device: string, epochs: number): Promise<{ epochMs: number; dataMs: number }[]> {
  const m = new Model({ model, device: device as DeviceName });
  const [c, h, w] = m.info.model === 'mnist-net' ? [1, 28, 28] : m.info.inputShape;
  m.setData('train', patternDataset(samples, [c, h, w], 10));
  const augment = { cropPad: 4, flip: c === 3, eraseP: c === 3 ? 0.5 : 0, mean: Array(c).fill(0.5), std: Array(c).fill(0.25) };
  const out: { epochMs: number; dataMs: number }[] = [];
  for (let e = 0; e < epochs; e++) out.push(await m.trainEpoch({ epoch: e, lr: 0.01, batchSize: batch, threads, augment }));
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, OPTIONS);
  if (!options.model) throw new UsageError('--model is required');
  const model = options.model as ModelName;
  const batch = (options.batch as number) ?? 128;
  const steps = (options.steps as number) ?? 10;
  const rounds = (options.rounds as number) ?? 2;
  const threads = (options.threads as number) ?? defaultThreads();
  const device = (options.device as string) ?? 'cpu';
  const samples = (options.samples as number) ?? 2048;
  const python = findPython(options.python as string | undefined);
  const names = String(options.masks ?? 'none,efreeze,dfreeze,layerout:2,all-but-last').split(',');
  const units = new Model({ model }).units;
  const masks = expandMasks(names, units, model);
  const tmp = mkdtempSync(join(tmpdir(), 'layerout-peer-'));
  writeFileSync(join(tmp, 'masks.json'), JSON.stringify(masks));
  const log = (m: string) => process.stderr.write(m + '\n');

  const addonRuns: BenchResult[] = [];
  const peerRuns: PeerBench[] = [];
  const addonEpochs: number[] = [];
  const dataShares: number[] = [];
  const peerEpochs: number[] = [];
  const shape = model === 'mnist-net' ? '1,28,28' : '3,32,32';
  const peerCommon = ['--model', model, '--batch', String(batch), '--threads', String(threads), '--device', device];
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}: addon steps`);
    addonRuns.push(await runBenchmark({ model, batch, steps, threads, device: device as DeviceName, masks: names }));
    log(`round ${r + 1}/${rounds}: pytorch steps`);
    peerRuns.push(peer(python, ['bench', ...peerCommon, '--steps', String(steps), '--masks', join(tmp, 'masks.json')]) as PeerBench);
    log(`round ${r + 1}/${rounds}: addon epoch`);
    for (const e of await addonEpochMs(model, samples, batch, threads, device, 1)) {
      addonEpochs.push(e.epochMs);
      dataShares.push(e.dataMs / e.epochMs);
    }
    log(`round ${r + 1}/${rounds}: pytorch epoch`);
    const aug = shape.startsWith('3') ? ['--flip', '--erase', '0.5'] : [];
    const pe = peer(python, ['epoch', ...peerCommon, '--samples', String(samples), '--epochs', '1', '--shape', shape, '--pad', '4', ...aug]) as { epochMs: number[] };
    peerEpochs.push(...pe.epochMs);
  }
  const phase = (runs: { rows: { mask: string; forwardMs: number; backwardMs: number; optimizerMs: number }[] }[], mask: string, key: 'forwardMs' | 'backwardMs' | 'optimizerMs') =>
    median(runs.map((run) => run.rows.find((row) => row.mask === mask)![key]));
  const rows = masks.map(({ name }) => {
    const a = { forwardMs: phase(addonRuns, name, 'forwardMs'), backwardMs: phase(addonRuns, name, 'backwardMs'), optimizerMs: phase(addonRuns, name, 'optimizerMs') };
    const p = { forwardMs: phase(peerRuns, name, 'forwardMs'), backwardMs: phase(peerRuns, name, 'backwardMs'), optimizerMs: phase(peerRuns, name, 'optimizerMs') };
    const realization = median(addonRuns.map((run) => run.rows.find((row) => row.mask === name)!.realization ?? NaN));
    return {
      mask: name,
      addon: a,
      pytorch: p,
      ratio: { forward: a.forwardMs / p.forwardMs, backward: a.backwardMs / p.backwardMs, optimizer: a.optimizerMs / p.optimizerMs },
      addonRealization: Number.isNaN(realization) ? null : realization,
    };
  });
  const result = {
    model,
    batch,
    threads,
    device,
    torch: { addon: addonRuns[0].machine.torch, pytorch: peerRuns[0].torch },
    machine: addonRuns[0].machine,
    rows,
    epoch: { samples, addonMs: median(addonEpochs), pytorchMs: median(peerEpochs), ratio: median(addonEpochs) / median(peerEpochs), addonDataShare: median(dataShares) },
  };
  const md =
    `${model}, batch ${batch}, ${threads} thread(s), ${device} (${result.machine.cpu}); addon libtorch ${result.torch.addon}, PyTorch ${result.torch.pytorch}; ` +
    `medians over ${rounds} alternating rounds of ${steps} steps\n\n` +
    '| mask | forward addon/PyTorch | backward addon/PyTorch | optimizer addon/PyTorch | addon realisation |\n|---|---|---|---|---|\n' +
    rows
      .map((r) => `| ${r.mask} | ${r.addon.forwardMs.toFixed(2)}/${r.pytorch.forwardMs.toFixed(2)} ms = ${r.ratio.forward.toFixed(2)} | ` +
        `${r.addon.backwardMs.toFixed(2)}/${r.pytorch.backwardMs.toFixed(2)} ms = ${r.ratio.backward.toFixed(2)} | ` +
        `${r.addon.optimizerMs.toFixed(2)}/${r.pytorch.optimizerMs.toFixed(2)} ms = ${r.ratio.optimizer.toFixed(2)} | ${r.addonRealization === null ? '—' : r.addonRealization.toFixed(2)} |`)
      .join('\n') +
    `\n\nEpoch of ${samples} samples with augmentation: addon ${result.epoch.addonMs.toFixed(0)} ms, PyTorch ${result.epoch.pytorchMs.toFixed(0)} ms, ratio ${result.epoch.ratio.toFixed(2)}; ` +
    `the addon spent ${(100 * result.epoch.addonDataShare).toFixed(1)}% of its epoch preparing batches\n`;
  if (options.out) {
    mkdirSync(String(options.out), { recursive: true });
    writeFileSync(join(String(options.out), 'vs-pytorch.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(String(options.out), 'vs-pytorch.md'), md);
  }
  process.stdout.write(options.json ? JSON.stringify(result) + '\n' : md);
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
