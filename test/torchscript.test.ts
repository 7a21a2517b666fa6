// TorchScript import: a module scripted with Debian's python3-torch (the same libtorch 1.13) is
// trained here with exact freezing, exported back, and gives PyTorch the logits of predict.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { train } from '../src/train';
import { epoch, tempDir, THREADS, tinyDigits } from './helpers';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`TorchScript tests skipped: ${PYTHON} has no torch (apt-get install python3-torch; npm run setup does)`);

const SCRIPT = `
import sys, torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.head = nn.Linear(16, 10)
    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))
torch.manual_seed(0)
torch.jit.script(Net()).save(sys.argv[1])
`;

/** Runs Python code from a file (torch.jit.script reads the class's source). */
function python(code: string, ...args: string[]) {
  const script = join(tempDir(), 'script.py');
  writeFileSync(script, code);
  const r = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!hasTorch)('TorchScript models', () => {
  let file = '';
  beforeAll(() => {
    file = join(tempDir(), 'net.pt');
    python(SCRIPT, file);
  });

  it('finds the freeze units in registration order, a BatchNorm joining its conv', () => {
    const model = new Model({ model: { torchscript: file }, inputShape: [1, 28, 28] });
    expect(model.units.map((u) => [u.name, u.kind, u.hasBatchNorm, u.params, u.macs])).toEqual([
      // Multiply-adds measured by the profiler: 8x28x28 outputs of 9 products each, 16x14x14 of 72.
      ['features.0', 'conv', true, 80 + 16, 8 * 28 * 28 * 9],
      ['features.4', 'conv', false, 1168, 16 * 14 * 14 * 72],
      ['head', 'linear', false, 170, 160],
    ]);
    expect(model.info.totalParams).toBe(96 + 1168 + 170);
  });

  it('trains with a mask and keeps the frozen unit bit-identical, statistics and momentum included', async () => {
    const model = new Model({ model: { torchscript: file }, inputShape: [1, 28, 28] });
    const data = tinyDigits(64);
    model.setData('train', data.train, data.kind);
    await epoch(model, 0);
    model.setFrozen([true, false, false], 'freeze');
    const before = model.unitDigest(0, true);
    const momentum = model.momentumDigest(0);
    const others = [1, 2].map((u) => model.unitDigest(u));
    await epoch(model, 1);
    expect(model.unitDigest(0, true)).toBe(before);
    expect(model.momentumDigest(0)).toBe(momentum);
    [1, 2].forEach((u, i) => expect(model.unitDigest(u)).not.toBe(others[i]));
  });

  it('round-trips: trained here, exported, loaded by torch.jit.load, same logits as predict (< 1e-4)', async () => {
    const out = join(tempDir(), 'ts-run');
    const data = tinyDigits(60);
    const { model } = await train({ model: { torchscript: file }, data, epochs: 1, batchSize: 20, threads: THREADS, policy: 'layerout', out });
    const exported = join(tempDir(), 'trained.pt');
    writeFileSync(exported, await model.stateDict());
    const batch = new Float32Array(3 * 784).map((_, i) => Math.sin(i * 0.3));
    const input = join(tempDir(), 'x.f32');
    writeFileSync(input, Buffer.from(batch.buffer));
    const theirs = JSON.parse(
      python(
        'import sys, json, torch\nm = torch.jit.load(sys.argv[1]).eval()\nx = torch.frombuffer(bytearray(open(sys.argv[2], "rb").read()), dtype=torch.float32).view(3, 1, 28, 28)\nprint(json.dumps(m(x).flatten().tolist()))',
        exported,
        input,
      ),
    ) as number[];
    const ours = await model.predict(batch, [3, 1, 28, 28], { threads: THREADS });
    expect(theirs).toHaveLength(30);
    expect(Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])))).toBeLessThan(1e-4);
    // The run folder names the file: Model.load and resume rebuild from it.
    expect((await Model.load(out)).digest()).toBe(model.digest());
    const resumed = await train({ model: { torchscript: file }, data, epochs: 2, batchSize: 20, threads: THREADS, policy: 'layerout', out, resume: true });
    expect(resumed.summary.epochsDone).toBe(2);
  });

  it('says which: not a TorchScript file, a newer PyTorch, a file changed since the run', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'junk.pt'), 'not a module');
    expect(() => new Model({ model: { torchscript: join(dir, 'junk.pt') }, inputShape: [1, 28, 28] })).toThrow(/junk.pt is not a TorchScript file/);
    const newer = join(dir, 'newer.pt');
    python(
      'import sys, zipfile\nsrc = zipfile.ZipFile(sys.argv[1])\ndst = zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED)\nfor i in src.infolist():\n    data = src.read(i.filename)\n    if i.filename.endswith("/version"): data = b"999\\n"\n    dst.writestr(i, data)\ndst.close()',
      file,
      newer,
    );
    expect(() => new Model({ model: { torchscript: newer }, inputShape: [1, 28, 28] })).toThrow(/newer.pt was saved by a newer PyTorch than this libtorch 1\.13/);
    expect(() => new Model({ model: { torchscript: file }, inputShape: [1, 28, 28], classes: 7 })).toThrow(/gives \[2, 10\] for an input of shape \[2, 1, 28, 28\]; a classifier of 7 classes must give \[2, 7\]/);
    expect(() => new Model({ model: { torchscript: file }, inputShape: [3, 28, 28] })).toThrow(/fails on an input of shape \[2, 3, 28, 28\]/);
    const shared = join(dir, 'shared.pt');
    python(
      'import sys, torch, torch.nn as nn\nclass Shared(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(784, 10)\n        self.fc2 = self.fc\n    def forward(self, x):\n        return self.fc2(self.fc(x.flatten(1)) @ torch.zeros(10, 784))\ntorch.jit.script(Shared()).save(sys.argv[1])\n',
      shared,
    );
    expect(() => new Model({ model: { torchscript: shared }, inputShape: [1, 28, 28] })).toThrow(/uses one parameter under two names \(fc\.weight and fc2\.weight\)/);
    const copy = join(dir, 'copy.pt');
    copyFileSync(file, copy);
    const out = join(dir, 'run');
    await train({ model: { torchscript: copy }, data: tinyDigits(40), epochs: 1, batchSize: 20, threads: THREADS, out });
    appendFileSync(copy, Buffer.from([0]));
    // The run keeps its own copy of the module (module.pt): a changed original does not matter,
    // a changed copy is refused.
    await expect(Model.load(out)).resolves.toBeInstanceOf(Model);
    appendFileSync(join(out, 'module.pt'), Buffer.from([0]));
    await expect(Model.load(out)).rejects.toThrow(/module\.pt has changed since the run started/);
  });
});
