// Malformed datasets through the public API (Model.setData, train) and the raw native object:
// every one must end in a thrown error, none in a signal. The cases run in a child process so
// a crash shows up as a signal here instead of taking the test runner down.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const DIST = join(__dirname, '..', 'dist');

// Runs in the child: builds the cases, drives each through three doors, prints one JSON line.
const CHILD = `
const { Model, train } = require(${JSON.stringify(join(DIST, 'index.js'))});
const { loadNative } = require(${JSON.stringify(join(DIST, 'native.js'))});
const { toNativeModelOptions } = require(${JSON.stringify(join(DIST, 'models.js'))});
const N = 6, SHAPE = [N, 1, 4, 4], SIZE = 96;
const good = () => ({ name: 'fuzz', images: new Uint8Array(SIZE).fill(7), labels: Int32Array.from([0, 1, 2, 0, 1, 2]), shape: [...SHAPE], classes: 3 });
const cases = [];
const add = (what, patch) => cases.push({ what, make: () => patch(good()) });
// images
for (const [what, v] of [
  ['Float64Array', new Float64Array(SIZE)], ['Int8Array', new Int8Array(SIZE)], ['Uint16Array', new Uint16Array(SIZE)],
  ['Int32Array', new Int32Array(SIZE)], ['Uint8ClampedArray', new Uint8ClampedArray(SIZE)], ['plain array', Array(SIZE).fill(0)],
  ['string', 'x'.repeat(SIZE)], ['null', null], ['undefined', undefined], ['object', {}], ['DataView', new DataView(new ArrayBuffer(SIZE))],
  ['ArrayBuffer', new ArrayBuffer(SIZE)], ['short Uint8Array', new Uint8Array(SIZE - 1)], ['long Uint8Array', new Uint8Array(SIZE + 1)],
  ['empty Uint8Array', new Uint8Array(0)], ['short Float32Array', new Float32Array(SIZE - 16)], ['Float32Array with NaN', Float32Array.from({ length: SIZE }, (_, i) => (i === 5 ? NaN : 0))],
  ['Float32Array with Infinity', Float32Array.from({ length: SIZE }, (_, i) => (i === 9 ? Infinity : 0))],
  ['Uint8Array view shorter than its buffer', new Uint8Array(new ArrayBuffer(SIZE * 2), SIZE + 8)],
  ['Float32Array read as bytes (4x too long)', new Uint8Array(new Float32Array(SIZE).buffer)],
]) add('images: ' + what, (d) => ({ ...d, images: v }));
// shape
for (const [what, v] of [
  ['empty', []], ['three entries', [N, 1, 4]], ['five entries', [N, 1, 4, 4, 1]], ['zero N', [0, 1, 4, 4]], ['negative N', [-N, 1, 4, 4]],
  ['fractional', [6.5, 1, 4, 4]], ['two channels', [3, 2, 4, 4]], ['larger than the model input', [1, 1, 8, 12]], ['string entry', ['6', 1, 4, 4]],
  ['NaN', [NaN, 1, 4, 4]], ['Infinity', [Infinity, 1, 4, 4]], ['huge N', [2 ** 31, 1, 4, 4]], ['larger than the buffer', [N * 2, 1, 4, 4]],
  ['null', null], ['string', '6x1x4x4'], ['object', { 0: 6, 1: 1, 2: 4, 3: 4, length: 4 }], ['overflowing product', [2 ** 40, 2 ** 40, 4, 4]],
]) add('shape: ' + what, (d) => ({ ...d, shape: v }));
// labels
for (const [what, v] of [
  ['Float32Array', new Float32Array(N)], ['Int16Array', new Int16Array(N)], ['BigInt64Array', new BigInt64Array(N)], ['too few', new Int32Array(N - 1)],
  ['too many', new Int32Array(N + 1)], ['label = classes', Int32Array.from([0, 1, 3, 0, 1, 2])], ['negative', Int32Array.from([0, -1, 2, 0, 1, 2])],
  ['fraction', [0, 1, 2, 0.5, 1, 2]], ['NaN', [0, 1, 2, NaN, 1, 2]], ['string entry', [0, '1', 2, 0, 1, 2]], ['null', null], ['undefined', undefined],
  ['Uint8Array 255', Uint8Array.from([0, 1, 255, 0, 1, 2])], ['Int32 max', Int32Array.from([0, 1, 2 ** 31 - 1, 0, 1, 2])], ['string', '012012'],
]) add('labels: ' + what, (d) => ({ ...d, labels: v }));
// classes and the object itself
for (const [what, v] of [['0', 0], ['1', 1], ['fraction', 2.5], ['string', '3'], ['NaN', NaN], ['undefined', undefined], ['more than the model', 50]]) {
  add('classes: ' + what, (d) => ({ ...d, classes: v }));
}
for (const [what, v] of [['null', null], ['undefined', undefined], ['number', 42], ['string', 'data'], ['array', []]]) add('dataset: ' + what, () => v);

const results = [];
const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [4], classes: 3 });
const raw = new (loadNative().NativeModel)(toNativeModelOptions({ model: 'mlp', classes: 3, hidden: [4], inputShape: [1, 4, 4], seed: 0 }));
const errorOf = (f) => { try { f(); return null; } catch (e) { return (e && e.constructor && e.constructor.name) + ': ' + (e && e.message); } };
(async () => {
  for (const c of cases) {
    const r = { what: c.what };
    r.setData = errorOf(() => model.setData('train', c.make()));
    const d = c.make() || {};
    r.native = errorOf(() => raw.setData('train', d.images, d.labels, d.shape));
    try {
      await train({ model: 'mlp', inputShape: [1, 4, 4], hidden: [4], classes: 3, epochs: 1, threads: 1,
        data: { kind: 'synthetic', classes: 3, train: c.make(), test: good() } });
      r.train = null;
    } catch (e) { r.train = e.constructor.name + ': ' + e.message; }
    results.push(r);
  }
  // The raw object with non-dataset arguments too.
  const extra = [
    ['split: number', () => raw.setData(1, new Uint8Array(SIZE), new Int32Array(N), SHAPE)],
    ['split: other', () => raw.setData('valid', new Uint8Array(SIZE), new Int32Array(N), SHAPE)],
    ['no arguments', () => raw.setData()],
    ['predict: short buffer', () => raw.predict(new Uint8Array(3), SHAPE, { batchSize: 2, threads: 1, augment: { cropPad: 0, flip: false, eraseP: 0, mean: [0.5], std: [0.5] } })],
    ['trainEpoch: batch 0', () => raw.trainEpoch({ epoch: 0, seed: 0, batchSize: 0, threads: 1, progressEvery: 1, lr: 0.1, momentum: 0, weightDecay: 0, augment: { cropPad: 0, flip: false, eraseP: 0, mean: [0.5], std: [0.5] } }, () => {})],
    ['trainEpoch: no callback', () => raw.trainEpoch({}, 5)],
    ['unitBytes: out of range', () => raw.unitBytes(99, false)],
    ['load: not bytes', () => raw.load('checkpoint.pt')],
    ['augmentBatch: short', () => loadNative().augmentBatch(new Uint8Array(5), [1, 1, 4, 4], [1, 4, 4], { cropPad: 0, flip: false, eraseP: 0, mean: [0.5], std: [0.5] }, 0, true)],
  ];
  for (const [what, f] of extra) results.push({ what: 'raw ' + what, native: errorOf(f) });
  process.stdout.write(JSON.stringify(results));
})();
`;

describe('malformed datasets', () => {
  it('end in thrown errors through setData, train() and the raw native object, never in a signal', () => {
    const script = join(tempDir(), 'fuzz.js');
    writeFileSync(script, CHILD);
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 300_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { what: string; setData?: string | null; native: string | null; train?: string | null }[];
    const datasets = results.filter((c) => c.setData !== undefined);
    expect(datasets.length).toBeGreaterThanOrEqual(50);
    for (const c of datasets) {
      expect(c.setData, c.what).toMatch(/^(TypeError|RangeError): /);
      expect(c.train, c.what).toMatch(/^(TypeError|RangeError): /);
    }
    // The native guard: everything the typed check rejects that would reach memory is rejected
    // there too. Only cases that are harmless natively (a model-level class count, a dataset
    // object the native call never sees) may pass it.
    const nativeMayAccept = /^classes: /;
    for (const c of results) {
      if (c.native === null) expect(c.what, `native accepted ${c.what}`).toMatch(nativeMayAccept);
      else expect(c.native, c.what).toMatch(/^Error: /);
    }
    expect(results.find((c) => c.what === 'images: short Uint8Array')?.native).toMatch(/images hold 95 values but shape 6x1x4x4 needs 96/);
    expect(results.find((c) => c.what === 'labels: label = classes')?.setData).toMatch(/labels\[2\] is 3; labels must be integers in \[0, 3\)/);
    expect(results.find((c) => c.what === 'images: Float64Array')?.setData).toMatch(/train dataset 'fuzz': images must be a Uint8Array .* got Float64Array/);
  });
});
