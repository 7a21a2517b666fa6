// Fine-tuning: weights from PyTorch (--init-from, --reset-head), units pinned frozen (--freeze,
// freeze=) with their BatchNorm fixed, and TorchScript runs that keep their module.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitData, loadDataSpec } from '../src/data/spec';
import { writeExport } from '../src/export/write';
import { Model } from '../src/model';
import type { NetworkSpec } from '../src/spec/types';
import type { EpochRecord } from '../src/types';
import { train } from '../src/train';
import { tempDir, THREADS, tinyDigits } from './helpers';

const PYTHON = '/usr/bin/python3';
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const MODULE_DIR = join(__dirname, '..', 'python');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** A small network with BatchNorm: conv+bn, conv+bn, linear. */
const SMALL_BN: NetworkSpec = {
  name: 'small-bn',
  input: [1, 28, 28],
  layers: [
    { type: 'conv', out: 4, kernel: 3, stride: 2, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
    { type: 'conv', out: 8, kernel: 3, stride: 2, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
    { type: 'flatten' }, { type: 'linear', out: 'classes' },
  ],
};

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function python(lines: string[]) {
  const r = spawnSync(PYTHON, ['-c', [`import sys; sys.path.insert(0, ${JSON.stringify(MODULE_DIR)})`, ...lines].join('\n')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('units pinned frozen (freeze)', () => {
  const data = tinyDigits(64);

  it('keeps the pinned units and their BatchNorm statistics bit-identical every epoch; the policy decides over the rest', async () => {
    const probe = new Model({ model: SMALL_BN, classes: 10, seed: 2 });
    const start = probe.units.map((u) => probe.unitDigest(u.index, true));
    const records: EpochRecord[] = [];
    const { model, summary } = await train({ model: SMALL_BN, data, policy: 'layerout', freeze: 'layers.0', epochs: 3, batchSize: 16, seed: 2, threads: THREADS, onEpoch: (r) => void records.push(r) });
    expect(model.unitDigest(0, true)).toBe(start[0]); // weights, BatchNorm affine and running statistics
    expect(model.unitDigest(1, true)).not.toBe(start[1]);
    expect(summary.policy).toBe('layerout(sample=epoch) freeze=layers.0');
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.frozen[0]).toBe(true);
    // The shares count the pinned unit: with nothing else frozen, its parameters' share.
    const unit0 = model.units[0].params / model.info.totalParams;
    for (const r of records) expect(r.frozenParamsShare).toBeGreaterThanOrEqual(unit0 - 1e-12);
  });

  it("freezeBn 'train' lets a pinned unit's BatchNorm learn, as --bn does for the policy's units", async () => {
    const probe = new Model({ model: SMALL_BN, classes: 10, seed: 2 });
    const start = probe.unitDigest(0, false);
    const startStats = probe.unitDigest(0, true);
    const { model } = await train({ model: SMALL_BN, data, policy: 'none', freeze: '0', freezeBn: 'train', epochs: 1, batchSize: 16, seed: 2, threads: THREADS });
    expect(model.unitDigest(0, true)).not.toBe(startStats);
    expect(model.unitDigest(0, false)).not.toBe(start); // the affine trains
    expect(model.bnModes).toEqual(['train', 'train', 'train']);
  });

  it('resumes exactly: run.json keeps freeze= in the policy', async () => {
    // From a spec, so the CLI can resume it too.
    const base = { model: SMALL_BN, data: loadDataSpec('synthetic:10:64:1x28x28'), policy: 'layerout', freeze: '0', batchSize: 16, seed: 5, threads: THREADS };
    const whole = await train({ ...base, epochs: 2 });
    const out = join(tempDir(), 'pinned');
    await train({ ...base, epochs: 1, out });
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).training.policy).toEqual({ kind: 'layerout', freeze: '0' });
    const { freeze: _f, ...withoutOption } = base;
    const resumed = await train({ ...withoutOption, policy: { kind: 'layerout', freeze: '0' }, epochs: 2, out, resume: true });
    expect(resumed.summary.digest).toBe(whole.summary.digest);
    const cliResumed = cli('train', '--resume', out, '--epochs', '3', '--threads', '1', '--quiet');
    expect(cliResumed.status, cliResumed.stderr).toBe(0);
  });

  it('names what is wrong: an unknown unit, every unit, twice, a policy object', async () => {
    const base = { model: SMALL_BN, data, epochs: 1, threads: THREADS };
    await expect(train({ ...base, freeze: 'fc' })).rejects.toThrow(/freeze: no unit is named 'fc'; the units are 0 layers\.0, 1 layers\.3, 2 layers\.7/);
    await expect(train({ ...base, freeze: '0-2' })).rejects.toThrow(/freeze=0-2 freezes every unit; at least one unit must train/);
    await expect(train({ ...base, freeze: '3' })).rejects.toThrow(/unit 3 does not exist; the model has units 0-2/);
    await expect(train({ ...base, freeze: '2-1' })).rejects.toThrow(/the range 2-1 is empty/);
    await expect(train({ ...base, policy: 'none:freeze=0', freeze: '1' })).rejects.toThrow(/freeze is given twice/);
    const object = { name: 'mine', mask: () => [false, false, false], isLayerOutEpoch: () => false, resetsMomentum: () => false, getState: () => null, setState: () => undefined };
    await expect(train({ ...base, policy: object, freeze: '0' })).rejects.toThrow(/freeze cannot be added to a policy object/);
    const r = cli('train', '--model', 'mnist-net', '--data', 'synthetic:10:32:1x28x28', '--epochs', '1', '--freeze', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/freeze: no unit is named 'nope'; the units are 0 conv1, 1 conv2, .* 6 fc2/);
  });

  it('works with a mask function: it sees only the free units', async () => {
    const seen: number[] = [];
    const records: EpochRecord[] = [];
    await train({ model: SMALL_BN, data, epochs: 1, threads: THREADS, freeze: '0', policy: (_e, units) => (seen.push(units.length), units.map(() => false)), onEpoch: (r) => void records.push(r) });
    expect(seen).toEqual([2]);
    expect(records[0].frozen).toEqual([true, false, false]);
  });
});

describe('initFrom: weights by name', () => {
  it('loads a layerout export into a fresh network, keeps the head with resetHead, and reports what it did', async () => {
    const dir = tempDir();
    const source = new Model({ model: SMALL_BN, classes: 5, seed: 1 });
    const file = join(dir, 'w.pt');
    await writeExport(source, file);
    const target = new Model({ model: SMALL_BN, classes: 10, seed: 9 });
    const head = target.unitDigest(2);
    await expect(target.loadWeights(file)).rejects.toThrow(/2 tensor\(s\) have other shapes than this model's: layers\.7\.weight \(ours 10x288, the file's 5x288\), layers\.7\.bias \(ours 10, the file's 5\); nothing was loaded\. They are the last unit's \(layers\.7, the head\): add --reset-head/);
    const report = await target.loadWeights(file, { resetHead: true });
    expect(report.loaded).toHaveLength(12);
    expect(report.reset).toEqual(['layers.7.weight', 'layers.7.bias']);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(target.unitDigest(0, true)).toBe(source.unitDigest(0, true));
    expect(target.unitDigest(1, true)).toBe(source.unitDigest(1, true));
    expect(target.unitDigest(2)).toBe(head);
  });

  it('refuses what it cannot use, and says so', async () => {
    const dir = tempDir();
    const model = new Model({ model: SMALL_BN, classes: 10 });
    await expect(model.loadWeights(join(dir, 'none.pt'))).rejects.toThrow(/none\.pt: no such file/);
    writeFileSync(join(dir, 'junk.pt'), 'not a tensor file');
    await expect(model.loadWeights(join(dir, 'junk.pt'))).rejects.toThrow(/junk\.pt: .*not a ZIP archive, so neither a torch\.save file of PyTorch 1\.6 or later nor a TorchScript module/);
    // Sizes at which libtorch's legacy unpickler crashed the process (a signal, no message).
    for (const size of [4097, 5469, 65558]) {
      writeFileSync(join(dir, 'big.json'), 'a'.repeat(size));
      await expect(model.loadWeights(join(dir, 'big.json'))).rejects.toThrow(/not a ZIP archive/);
    }
    const other = join(dir, 'mnist.pt');
    await writeExport(new Model({ model: 'mnist-net' }), other);
    await expect(model.loadWeights(other)).rejects.toThrow(/none of its tensors has a name of this model's \(the file has convs\.0\.bias, convs\.0\.weight, .*; the model has layers\.0\.weight/);
    await expect(train({ model: SMALL_BN, data: tinyDigits(32), epochs: 1, resetHead: true })).rejects.toThrow(/resetHead \(--reset-head\) applies with initFrom/);
    if (hasTorch) {
      // A training checkpoint with the weights one level down, and weights that hold NaN.
      const nested = join(dir, 'nested.pt');
      const nan = join(dir, 'nan.pt');
      await writeExport(new Model({ model: SMALL_BN, classes: 10 }), join(dir, 'own.pt'));
      python([
        'import torch',
        `sd = torch.load(${JSON.stringify(join(dir, 'own.pt'))})`,
        `torch.save({'state_dict': sd, 'epoch': 3}, ${JSON.stringify(nested)})`,
        "sd['layers.0.weight'][0] = float('nan')",
        `torch.save(sd, ${JSON.stringify(nan)})`,
      ]);
      await expect(model.loadWeights(nested)).rejects.toThrow(/the tensors are inside 'state_dict', not at the top: save that dict itself, e\.g\. torch\.save\(checkpoint\['state_dict'\], FILE\)/);
      await expect(model.loadWeights(nan)).rejects.toThrow(/the loaded weights hold NaN or infinite values \(layers_0\.weight\)/);
    }
  });

  it.skipIf(!hasTorch)('fine-tunes a PyTorch-trained state dict with --reset-head, and the export loads back in PyTorch with the shipped definitions (logits within 1e-5)', async () => {
    const dir = tempDir();
    const weights = join(dir, 'pytorch.pt');
    // Trained in PyTorch on 5 classes, saved the usual way: torch.save(net.state_dict()).
    python([
      'import torch, layerout_torch',
      'torch.manual_seed(0)',
      `net = layerout_torch.build(layerout_torch.plan_of('mnist-net', classes=5))`,
      'opt = torch.optim.SGD(net.parameters(), lr=0.01)',
      'x, y = torch.randn(16, 1, 32, 32), torch.randint(0, 5, (16,))',
      'for _ in range(3):',
      '    opt.zero_grad(); torch.nn.functional.cross_entropy(net(x), y).backward(); opt.step()',
      `torch.save(net.state_dict(), ${JSON.stringify(weights)})`,
    ]);
    const run = join(dir, 'run');
    const start = cli('train', '--model', 'mnist-net', '--data', 'fashion-mnist:classes=5-9', '--limit-train', '200', '--limit-test', '50', '--epochs', '0', '--init-from', weights, '--reset-head', '--out', run);
    expect(start.status, start.stderr).toBe(0);
    expect(start.stderr + start.stdout).toMatch(/init-from .*pytorch\.pt: loaded 12 tensor\(s\); kept 2 of the head \(fc2\) freshly initialised/);
    // Epoch 0: the backbone is PyTorch's, exactly.
    const initial = join(dir, 'initial.pt');
    expect(cli('export', run, '--out', initial).status).toBe(0);
    const same = python([
      'import torch',
      `a, b = torch.load(${JSON.stringify(weights)}), torch.load(${JSON.stringify(initial)})`,
      "print(all(torch.equal(a[k], b[k]) for k in a if not k.startswith('fc2.')), sorted(k for k in a if not torch.equal(a[k], b[k]) or k.startswith('fc2.')))",
    ]);
    expect(same.trim()).toBe("True ['fc2.bias', 'fc2.weight']");
    const tuned = cli('train', '--resume', run, '--epochs', '1', '--threads', '1', '--quiet');
    expect(tuned.status, tuned.stderr).toBe(0);
    const exported = join(dir, 'tuned.pt');
    expect(cli('export', run, '--out', exported).status).toBe(0);
    const model = await Model.load(run);
    const test = limitData(loadDataSpec('fashion-mnist:classes=5-9'), 10, 12, 1).test;
    const pixels = join(dir, 'pixels.u8');
    writeFileSync(pixels, test.images);
    const out = JSON.parse(python([
      'import json, torch, layerout_torch',
      'torch.set_num_threads(1)',
      `net = layerout_torch.load(${JSON.stringify(exported)}, with_preprocessing=True)`,
      `x = torch.frombuffer(bytearray(open(${JSON.stringify(pixels)}, 'rb').read()), dtype=torch.uint8).view(${test.shape.join(', ')})`,
      'with torch.no_grad(): print(json.dumps({"logits": net(x).flatten().tolist(), "names": net.class_names}))',
    ]));
    const ours = await model.predict(test.images, test.shape, { threads: THREADS });
    let diff = 0;
    ours.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - out.logits[i]))));
    expect(diff).toBeLessThan(1e-5);
    expect(out.names).toEqual(['5', '6', '7', '8', '9']);
  }, 120_000);
});

describe.skipIf(!hasTorch)('a TorchScript run keeps its module', () => {
  it('predicts, exports, inspects and resumes after the original file is moved away', () => {
    const dir = tempDir();
    const file = join(dir, 'net.pt');
    python([
      'import torch, torch.nn as nn',
      'torch.manual_seed(0)',
      'net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 28 * 28, 10))',
      `torch.jit.script(net).save(${JSON.stringify(file)})`,
    ]);
    const run = join(dir, 'run');
    const first = cli('train', '--model', `torchscript:${file}`, '--data', 'synthetic:10:64:1x28x28', '--epochs', '1', '--threads', '1', '--out', run, '--quiet');
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(run, 'module.pt')).equals(readFileSync(file))).toBe(true);
    renameSync(file, join(dir, 'elsewhere.pt'));
    expect(existsSync(file)).toBe(false);
    for (const args of [['inspect', run, '--verify'], ['predict', run, '--data', 'synthetic:10:64:1x28x28'], ['export', run, '--out', join(dir, 'out.pt')], ['train', '--resume', run, '--epochs', '2', '--threads', '1', '--quiet']]) {
      const r = cli(...args);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
    }
    // The module is the run's: a copy that changed is refused like the original would be.
    writeFileSync(join(run, 'module.pt'), Buffer.concat([readFileSync(join(run, 'module.pt')), Buffer.from('x')]));
    const changed = cli('predict', run, '--data', 'synthetic:10:64:1x28x28');
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toMatch(/module\.pt has changed since the run started \(its SHA-256 differs\)/);
  }, 120_000);
});
