// `--data npy:...`: .npy/.npz parsing and the data source. Fixtures in test/fixtures/npy were made
// by real NumPy (make.py there); the hand-built bytes below cover dtypes and ZIP64 layouts NumPy
// does not write for small arrays.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32Portable, indexText, parseNpy, parseNpz, readNpy, readNpz } from '../src/data/npy';
import { NPY } from '../src/data/sources/npy';
import { loadDataSpec } from '../src/data/spec';
import type { DatasetPair } from '../src/data/types';

const F = join(__dirname, 'fixtures', 'npy');
const fx = (name: string) => join(F, name);
const tmp = mkdtempSync(join(tmpdir(), 'layerout-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let written = 0;
/** Writes bytes to a fresh temp file and returns its path. */
function file(bytes: Uint8Array, name = 'a.npy'): string {
  const path = join(tmp, `${written++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

/** A .npy file as NumPy lays it out: magic, version, padded header dict, data. */
function npy(descr: string, shape: number[], data: ArrayBufferView, opts: { version?: 1 | 2 | 3; fortran?: boolean; header?: string } = {}): Buffer {
  const version = opts.version ?? 1;
  const tuple = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let header = opts.header ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${tuple}, }`;
  const prefix = version === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** A ZIP archive; `zip64` puts every size and offset of the central directory in ZIP64 fields. */
function zip(members: { name: string; data: Buffer; deflate?: boolean }[], zip64 = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const name = Buffer.from(m.name);
    const crc = crc32Portable(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(m.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(45, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    central.writeUInt32LE(zip64 ? 0xffffffff : m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name, extra);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeBigUInt64LE(BigInt(members.length), 24);
    end64.writeBigUInt64LE(BigInt(members.length), 32);
    end64.writeBigUInt64LE(BigInt(directory.length), 40);
    end64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...locals, directory, ...tail, end]);
}

const load = (arg: string, seed = 0) => NPY.load(arg, `npy:${arg}`, { seed }) as DatasetPair;
const loadError = (arg: string) => {
  try {
    load(arg);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`npy:${arg} loaded`);
};
const X_VALUE = (i: number) => Math.fround(i / 3 - 20); // x.npy: arange(200) / 3 - 20, float64

describe('.npy files written by NumPy', () => {
  it('reads a version 1.0 float64 array as float32, exactly rounded', () => {
    const x = readNpy(fx('x.npy'));
    expect([x.descr, x.type, x.shape]).toEqual(['<f8', 'float64', [50, 4]]);
    expect(x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(x.data)).toEqual(Array.from({ length: 200 }, (_, i) => X_VALUE(i)));
    expect(x.data[1]).not.toBe(1 / 3 - 20); // rounded to float32, not kept as float64
  });

  it('reads int64, int32 and float32 arrays exactly', () => {
    const y = readNpy(fx('y.npy'));
    expect([y.descr, y.shape]).toEqual(['<i8', [50]]);
    expect(Array.from(y.data)).toEqual(Array.from({ length: 50 }, (_, i) => i % 3));
    expect(Array.from(readNpy(fx('yt.npy')).data)).toEqual([0, 1, 2, 0, 1, 2]);
    const xt = readNpy(fx('xt.npy'));
    expect([xt.descr, xt.shape]).toEqual(['<f4', [6, 4]]);
    expect(Array.from(xt.data)).toEqual(Array.from({ length: 24 }, (_, i) => i * 0.25));
  });

  it('reads format versions 2.0 and 3.0', () => {
    const v2 = readNpy(fx('v2.npy'));
    expect(readFileSync(fx('v2.npy'))[6]).toBe(2);
    expect([v2.type, v2.shape, Array.from(v2.data)]).toEqual(['int16', [3], [-3, 0, 7]]);
    const v3 = readNpy(fx('v3.npy'));
    expect(readFileSync(fx('v3.npy'))[6]).toBe(3);
    expect([v3.type, v3.shape, Array.from(v3.data)]).toEqual(['uint16', [2, 2], [1, 2, 3, 65535]]);
  });

  it('refuses big-endian, Fortran order and object arrays, naming the file and the dtype or flag', () => {
    expect(() => readNpy(fx('big-endian.npy'))).toThrow(RangeError);
    expect(() => readNpy(fx('big-endian.npy'))).toThrow(/big-endian\.npy: big-endian dtype '>f4' is not supported/);
    expect(() => readNpy(fx('fortran.npy'))).toThrow(/fortran\.npy: fortran_order is True .*np\.ascontiguousarray/);
    expect(() => readNpy(fx('object.npy'))).toThrow(/object\.npy: object dtype '\|O'/);
  });

  it('refuses non-finite float64 values and ones float32 cannot hold, naming the index', () => {
    expect(() => readNpy(fx('nan.npy'))).toThrow(/nan\.npy: the value at index \[1, 1\] \(flat index 4\) is NaN; values must be finite/);
    expect(() => readNpy(fx('overflow.npy'))).toThrow(/overflow\.npy: the value at index 1 is 1e\+300, too large for float32/);
    const inf = file(npy('<f4', [3], new Float32Array([0, 0, -Infinity])));
    expect(() => readNpy(inf)).toThrow(/the value at index 2 is -Infinity/);
  });

  it('refuses a truncated file, a bad magic and trailing garbage, naming the file', () => {
    const bytes = readFileSync(fx('x.npy'));
    const short = file(bytes.subarray(0, bytes.length - 3), 'short.npy');
    expect(() => readNpy(short)).toThrow(RangeError);
    expect(() => readNpy(short)).toThrow(/short\.npy: truncated: shape \(50, 4\) of float64 needs 1600 data bytes, the file has 1597/);
    expect(() => readNpy(file(bytes.subarray(0, 40), 'cut.npy'))).toThrow(/cut\.npy: truncated \.npy header: the file has 40 bytes, the header says it ends at byte 128/);
    const magic = Buffer.from(bytes);
    magic[1] = 0x58;
    expect(() => readNpy(file(magic, 'magic.npy'))).toThrow(/magic\.npy: not a \.npy file \(bad magic/);
    expect(() => readNpy(file(Buffer.from('PK\x03\x04 not numpy'), 'zip.npy'))).toThrow(/not a \.npy file/);
    const long = file(Buffer.concat([bytes, Buffer.from([1, 2])]), 'long.npy');
    expect(() => readNpy(long)).toThrow(/long\.npy: 2 bytes of trailing garbage after the 1600 data bytes/);
  });

  it('refuses bad headers and versions', () => {
    const one = new Uint8Array([1]);
    const bad = (header: string) => () => parseNpy(npy('|u1', [1], one, { header }), 'h.npy');
    expect(bad("{'descr': '|u1', 'fortran_order': False}")).toThrow(/h\.npy: bad \.npy header: keys must be 'descr', 'fortran_order', 'shape', got 'descr', 'fortran_order'/);
    expect(bad("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}")).toThrow(/keys must be/);
    expect(bad("{'descr': '|u1', 'fortran_order': False, 'shape': (1,)")).toThrow(/h\.npy: bad \.npy header: expected ',' or '}'/);
    expect(bad("{'descr': '|u1', 'fortran_order': 0, 'shape': (1,)}")).toThrow(/'fortran_order' must be True or False/);
    expect(bad("{'descr': '|u1', 'fortran_order': False, 'shape': (-1,)}")).toThrow(/'shape' must be a tuple of non-negative integers/);
    expect(bad("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}")).toThrow(/h\.npy: structured dtype/);
    expect(bad('[1, 2]')).toThrow(/bad \.npy header: not a dict/);
    const noNewline = npy('|u1', [1], one);
    noNewline[noNewline.length - 2] = 0x20;
    expect(() => parseNpy(noNewline, 'nl.npy')).toThrow(/nl\.npy: bad \.npy header: it does not end with a newline/);
    const v4 = npy('|u1', [1], one, { version: 2 });
    v4[6] = 4;
    expect(() => parseNpy(v4, 'v4.npy')).toThrow(/v4\.npy: \.npy format version 4\.0 is not supported/);
    // A Python 2 era header: long integers and double quotes.
    const old = parseNpy(npy('', [], new Uint8Array([5, 6]), { header: '{"descr": "|u1", "fortran_order": False, "shape": (2L,)}' }), 'old.npy');
    expect([old.shape, Array.from(old.data)]).toEqual([[2], [5, 6]]);
  });

  it('reads every integer dtype exactly, and refuses int64 beyond 2^53 and other dtypes', () => {
    const cases: [string, ArrayBufferView, number[]][] = [
      ['|u1', new Uint8Array([0, 255]), [0, 255]],
      ['<u1', new Uint8Array([7, 9]), [7, 9]],
      ['|i1', new Int8Array([-128, 127]), [-128, 127]],
      ['<i2', new Int16Array([-32768, 32767]), [-32768, 32767]],
      ['<i4', new Int32Array([-(2 ** 31), 2 ** 31 - 1]), [-(2 ** 31), 2 ** 31 - 1]],
      ['<i8', new BigInt64Array([-5n, 2n ** 40n]), [-5, 2 ** 40]],
      ['<u2', new Uint16Array([0, 65535]), [0, 65535]],
      ['<u4', new Uint32Array([0, 2 ** 32 - 1]), [0, 2 ** 32 - 1]],
      ['<u8', new BigUint64Array([3n, 2n ** 53n - 1n]), [3, 2 ** 53 - 1]],
    ];
    for (const [descr, data, values] of cases) {
      const a = parseNpy(npy(descr, [2], data), 'd.npy');
      expect([a.descr, Array.from(a.data)]).toEqual([descr, values]);
    }
    expect(() => parseNpy(npy('<i8', [2, 1], new BigInt64Array([0n, 2n ** 60n])), 'big.npy')).toThrow(/big\.npy: the int64 value at index \[1, 0\] \(flat index 1\) is 1152921504606846976/);
    expect(() => parseNpy(npy('<c8', [1], new Float32Array(2)), 'c.npy')).toThrow(/c\.npy: dtype '<c8' is not supported/);
    expect(() => parseNpy(npy('|b1', [1], new Uint8Array(1)), 'b.npy')).toThrow(/b\.npy: dtype '\|b1' is not supported/);
    expect(() => parseNpy(npy('>i8', [1], new Uint8Array(8)), 'be.npy')).toThrow(/be\.npy: big-endian dtype '>i8'/);
    expect(() => parseNpy(npy('<i4', [2, 3], new Int32Array(6), { fortran: true }), 'f.npy')).toThrow(/f\.npy: fortran_order is True/);
  });

  it('names positions in errors', () => {
    expect(indexText(7, [2, 4])).toBe('index [1, 3] (flat index 7)');
    expect(indexText(7, [8])).toBe('index 7');
  });
});

describe('.npz archives', () => {
  it('reads np.savez (stored, with ZIP64 extra fields) member by member', () => {
    const npz = readNpz(fx('keras.npz'));
    expect(npz.members).toEqual(['x_train', 'y_train', 'x_test', 'y_test']);
    const x = npz.read('x_train');
    expect([x.file, x.type, x.shape]).toEqual([`${fx('keras.npz')} member x_train.npy`, 'uint8', [4, 2, 2, 3]]);
    expect(Array.from(x.data)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(Array.from(npz.read('y_test').data)).toEqual([1, 0]);
    expect(() => npz.read('x')).toThrow(/keras\.npz: no member 'x'; members present: x_train, y_train, x_test, y_test/);
  });

  it('reads np.savez_compressed (deflate)', () => {
    const npz = readNpz(fx('xy_compressed.npz'));
    expect(readFileSync(fx('xy_compressed.npz')).readUInt16LE(8)).toBe(8); // method 8: deflated
    const x = npz.read('x');
    expect([x.shape, Array.from(x.data)]).toEqual([[20, 2, 3], Array.from({ length: 120 }, (_, i) => i * 0.5)]);
    const y = npz.read('y');
    expect([y.descr, y.shape]).toEqual(['<f8', [20, 2]]);
    expect(Array.from(y.data)).toEqual(Array.from({ length: 20 }, (_, i) => [i, -i / 4 + 0]).flat());
  });

  it('reads sizes and offsets from a ZIP64 central directory and end record', () => {
    const a = npy('<f4', [2], new Float32Array([1.5, -2]));
    const b = npy('<i2', [3], new Int16Array([4, 5, 6]));
    for (const zip64 of [false, true]) {
      const npz = parseNpz(zip([{ name: 'a.npy', data: a }, { name: 'b.npy', data: b, deflate: true }, { name: 'notes.txt', data: Buffer.from('hi') }], zip64), 'z.npz');
      expect(npz.members).toEqual(['a', 'b']);
      expect(Array.from(npz.read('a').data)).toEqual([1.5, -2]);
      expect(Array.from(npz.read('b').data)).toEqual([4, 5, 6]);
    }
  });

  it('refuses a bad magic, truncation, trailing garbage, a bad CRC and a bad member', () => {
    const bytes = readFileSync(fx('keras.npz'));
    expect(() => readNpz(fx('x.npy'))).toThrow(/x\.npy: not an \.npz file \(bad magic/);
    expect(() => readNpz(file(bytes.subarray(0, bytes.length - 10), 'cut.npz'))).toThrow(/cut\.npz: truncated or damaged \.npz: no ZIP end-of-central-directory record/);
    expect(() => readNpz(file(Buffer.concat([bytes, Buffer.from('junk')]), 'junk.npz'))).toThrow(/junk\.npz: 4 bytes of trailing garbage after the end of the ZIP archive/);
    const flipped = Buffer.from(bytes);
    flipped[bytes.indexOf('NUMPY') - 1 + 128 + 10] ^= 1; // a pixel of x_train (after its 128-byte header)
    expect(() => parseNpz(flipped, 'crc.npz').read('x_train')).toThrow(/crc\.npz member x_train\.npy: damaged \.npz: CRC-32 is 0x[0-9a-f]{8}, the directory says 0x[0-9a-f]{8}/);
    expect(parseNpz(flipped, 'crc.npz').read('y_train').shape).toEqual([4]); // the other members are intact
    const member = npy('<f4', [2], new Float32Array([1, 2])).subarray(0, 130);
    expect(() => parseNpz(zip([{ name: 'x.npy', data: member }]), 'm.npz').read('x')).toThrow(/m\.npz member x\.npy: truncated: shape \(2,\) of float32 needs 8 data bytes, the file has 2/);
    const deflated = zip([{ name: 'x.npy', data: npy('|u1', [3], new Uint8Array([1, 2, 3])), deflate: true }]);
    deflated.writeUInt16LE(12, deflated.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10); // method 12: bzip2
    expect(() => parseNpz(deflated, 'bz.npz').read('x')).toThrow(/bz\.npz member x\.npy: ZIP compression method 12 is not supported/);
  });

  it('computes ZIP\'s CRC-32 without zlib.crc32 (node before 20.15)', () => {
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(new Uint8Array(0))).toBe(0);
  });
});

describe('--data npy:', () => {
  it('X.npy,Y.npy: float64 features as float32, int64 labels, a stratified 20% test split', () => {
    const pair = load(`${fx('x.npy')},${fx('y.npy')}`, 5);
    expect([pair.kind, pair.classes, pair.train.name, pair.test.name]).toEqual(['npy', 3, 'npy/train', 'npy/test']);
    // Classes of 17, 17 and 16 rows: round(20%) = 3 of each to the test set.
    expect(pair.train.shape).toEqual([41, 1, 1, 4]);
    expect(pair.test.shape).toEqual([9, 1, 1, 4]);
    expect(pair.train.images).toBeInstanceOf(Float32Array);
    expect(pair.test.labels).toBeInstanceOf(Int32Array);
    expect([0, 1, 2].map((c) => Array.from(pair.test.labels).filter((y) => y === c).length)).toEqual([3, 3, 3]);
    // Every row keeps its own features and label: row r is arange(4r, 4r+4) / 3 - 20 with label r % 3.
    for (const part of [pair.train, pair.test]) {
      for (let k = 0; k < part.shape[0]; k++) {
        const row = Math.round((part.images[k * 4] + 20) * 3) / 4;
        expect(Array.from(part.images.subarray(k * 4, k * 4 + 4))).toEqual([0, 1, 2, 3].map((j) => X_VALUE(row * 4 + j)));
        expect(part.labels[k]).toBe(row % 3);
      }
    }
  });

  it('the split is seeded: the same seed the same rows, another seed others', () => {
    const rows = (seed: number) => Array.from(load(`${fx('x.npy')},${fx('y.npy')}`, seed).test.images.filter((_, i) => i % 4 === 0));
    expect(rows(1)).toEqual(rows(1));
    expect(rows(2)).not.toEqual(rows(1));
  });

  it('X,Y,XTEST,YTEST: an explicit test set; classes from both label sets', () => {
    const pair = load([fx('x.npy'), fx('y.npy'), fx('xt.npy'), fx('yt.npy')].join(','));
    expect([pair.train.shape, pair.test.shape, pair.classes]).toEqual([[50, 1, 1, 4], [6, 1, 1, 4], 3]);
    expect(Array.from(pair.train.images.subarray(0, 4))).toEqual([0, 1, 2, 3].map(X_VALUE));
    expect(Array.from(pair.test.images)).toEqual(Array.from({ length: 24 }, (_, i) => i * 0.25));
    expect(Array.from(pair.test.labels)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('FILE.npz with Keras members: uint8 NHWC pixels transposed to NCHW', () => {
    const pair = load(fx('keras.npz'));
    expect([pair.train.shape, pair.test.shape, pair.classes]).toEqual([[4, 3, 2, 2], [2, 3, 2, 2], 2]);
    expect(pair.train.images).toBeInstanceOf(Uint8Array);
    // x_train = arange(48) as 4x2x2x3: pixel p, channel k of image n holds 12n + 3p + k.
    const nchw = Array.from({ length: 48 }, (_, i) => {
      const [n, k, p] = [Math.floor(i / 12), Math.floor((i % 12) / 4), i % 4];
      return 12 * n + 3 * p + k;
    });
    expect(Array.from(pair.train.images)).toEqual(nchw);
    expect(Array.from(pair.train.images.subarray(0, 12))).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    expect(Array.from(pair.test.images.subarray(0, 4))).toEqual([100, 103, 106, 109]);
    expect(Array.from(pair.train.labels)).toEqual([0, 1, 1, 0]);
    expect(Array.from(pair.test.labels)).toEqual([1, 0]);
  });

  it('FILE.npz with x, y (compressed): (N, H, W) floats and float64 targets, split 16 / 4', () => {
    const pair = load(fx('xy_compressed.npz'), 1);
    expect([pair.train.shape, pair.test.shape, pair.classes]).toEqual([[16, 1, 2, 3], [4, 1, 2, 3], 2]);
    expect(pair.train.labels).toBeInstanceOf(Float32Array);
    for (const part of [pair.train, pair.test]) {
      expect(part.labels.length).toBe(part.shape[0] * 2);
      for (let k = 0; k < part.shape[0]; k++) {
        const row = part.images[k * 6] / 3; // row r's pixels are 3r, 3r + 0.5, ...
        expect([part.labels[2 * k], part.labels[2 * k + 1]]).toEqual([row, -row / 4 + 0]); // + 0: NumPy wrote +0, not -0
      }
    }
  });

  it('keeps (N, C, H, W) as it is, reads uint8 (N, H, W, 1) as NHWC, and labels of shape (N, 1)', () => {
    const nchw = new Uint8Array(Array.from({ length: 24 }, (_, i) => i));
    const y = file(npy('<i8', [2], new BigInt64Array([0n, 1n])));
    const asIs = load(`${file(npy('|u1', [2, 3, 2, 2], nchw))},${y},${file(npy('|u1', [2, 3, 2, 2], nchw))},${y}`);
    expect([asIs.train.shape, Array.from(asIs.train.images)]).toEqual([[2, 3, 2, 2], Array.from(nchw)]);
    const gray = load(`${file(npy('|u1', [2, 2, 3, 1], nchw.subarray(0, 12)))},${y},${file(npy('|u1', [2, 2, 3, 1], nchw.subarray(0, 12)))},${y}`);
    expect([gray.train.shape, Array.from(gray.train.images)]).toEqual([[2, 1, 2, 3], Array.from(nchw.subarray(0, 12))]);
    const floats = new Float32Array(24).map((_, i) => i / 2);
    const f = load(`${file(npy('<f4', [2, 2, 2, 3], floats))},${y},${file(npy('<f4', [2, 2, 2, 3], floats))},${y}`);
    expect([f.train.shape, Array.from(f.train.images)]).toEqual([[2, 2, 2, 3], Array.from(floats)]); // floats: never transposed
    // Labels of shape (N, 1), uint16: classes up to the largest label in either set.
    const column = load(`${fx('xt.npy')},${file(npy('<u2', [6, 1], new Uint16Array([1, 0, 1, 0, 1, 4])))},${fx('xt.npy')},${fx('yt.npy')}`);
    expect([Array.from(column.train.labels), column.classes]).toEqual([[1, 0, 1, 0, 1, 4], 5]);
  });

  it('refuses X and Y of different row counts, naming both files and counts', () => {
    const e = loadError(`${fx('x.npy')},${fx('yt.npy')}`);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(`${fx('x.npy')} has 50 rows but ${fx('yt.npy')} has 6; X and Y need one row per sample`);
  });

  it('refuses an .npz missing a member, listing the members present', () => {
    const e = loadError(fx('partial.npz'));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(`${fx('partial.npz')}: missing member(s) y_test; members present: x_train, y_train, x_test. An .npz needs x_train, y_train, x_test, y_test (or x, y)`);
    const only = file(zip([{ name: 'x.npy', data: readFileSync(fx('xt.npy')) }]), 'only-x.npz');
    expect(loadError(only).message).toMatch(/only-x\.npz: missing member\(s\) y; members present: x\. /);
  });

  it('passes on the parser\'s errors (truncated, big-endian, fortran, non-finite)', () => {
    const bytes = readFileSync(fx('y.npy'));
    expect(loadError(`${fx('x.npy')},${file(bytes.subarray(0, bytes.length - 8), 'y-cut.npy')}`).message).toMatch(/y-cut\.npy: truncated: shape \(50,\) of int64 needs 400 data bytes, the file has 392/);
    expect(loadError(`${fx('big-endian.npy')},${fx('y.npy')}`).message).toMatch(/big-endian dtype '>f4'/);
    expect(loadError(`${fx('fortran.npy')},${fx('y.npy')}`).message).toMatch(/fortran_order is True/);
    expect(loadError(`${fx('nan.npy')},${fx('y.npy')}`).message).toMatch(/nan\.npy: the value at index \[1, 1\]/);
  });

  it('refuses labels and features it cannot train on', () => {
    const x2 = file(npy('<f4', [2, 1], new Float32Array([0, 1])));
    const x4 = file(npy('<f4', [4, 1], new Float32Array([0, 1, 2, 3])));
    expect(loadError(`${x2},${file(npy('<i4', [2], new Int32Array([0, -1])), 'neg.npy')}`).message).toMatch(/neg\.npy: label -1 at index 1 is negative/);
    expect(loadError(`${x2},${file(npy('<i4', [2], new Int32Array([1, 1])), 'one.npy')}`).message).toMatch(/one\.npy: 1 distinct class label\(s\); classification needs at least 2/);
    expect(loadError(`${x2},${file(npy('<i4', [2, 2], new Int32Array(4)), 'multi.npy')}`).message).toMatch(/multi\.npy: integer labels of shape \(2, 2\) are not supported/);
    expect(loadError(`${file(npy('<i4', [6, 1], new Int32Array(6)), 'xi.npy')},${fx('yt.npy')}`).message).toMatch(/xi\.npy: X of dtype '<i4' is not supported/);
    expect(loadError(`${file(npy('|u1', [6, 1, 1, 1, 2], new Uint8Array(12)), 'x5.npy')},${fx('yt.npy')}`).message).toMatch(/x5\.npy: X of shape \(6, 1, 1, 1, 2\) is not supported/);
    const y4 = file(npy('<i4', [4], new Int32Array([0, 1, 0, 1])));
    expect(loadError(`${x4},${y4}`).message).toMatch(/4 rows are too few to hold out 20% as a test set/);
    const yFloat = file(npy('<f4', [4], new Float32Array(4)), 'yf.npy');
    expect(loadError(`${x4},${y4},${x4},${yFloat}`).message).toMatch(/yf\.npy: 1 float target\(s\) per row, but .* has integer class labels; train and test must match/);
    const x4wide = file(npy('<f4', [4, 2], new Float32Array(8)), 'wide.npy');
    expect(loadError(`${x4},${y4},${x4wide},${y4}`).message).toMatch(/wide\.npy: rows of float32 1x1x2, but .* has rows of float32 1x1x1; train and test must match/);
  });

  it('refuses malformed specs', () => {
    expect(loadError('').message).toMatch(/expected npy:X\.npy,Y\.npy/);
    expect(loadError(fx('x.npy')).message).toMatch(/one \.npy holds no labels/);
    expect(loadError(`${fx('x.npy')},${fx('y.npy')},${fx('xt.npy')}`).message).toMatch(/3 files given; expected/);
    expect(loadError(`${fx('x.npy')},`).message).toMatch(/expected npy:X\.npy,Y\.npy/);
    expect(loadError(`${fx('x.npy')},${join(tmp, 'missing.npy')}`).message).toMatch(/missing\.npy: no such file/);
  });

  it('loads through loadDataSpec, which records the spec and seed', () => {
    const spec = `npy:${fx('x.npy')},${fx('y.npy')}`;
    const pair = loadDataSpec(spec, { seed: 4 });
    expect(pair.source).toEqual({ spec, seed: 4, splitSeed: 4 });
    expect([pair.kind, pair.classes, pair.train.shape, pair.test.shape]).toEqual(['npy', 3, [41, 1, 1, 4], [9, 1, 1, 4]]);
    expect(Array.from(pair.test.images)).toEqual(Array.from(load(`${fx('x.npy')},${fx('y.npy')}`, 4).test.images));
    expect(loadDataSpec(`npy:${fx('keras.npz')}`).train.shape).toEqual([4, 3, 2, 2]);
  });
});
