// NumPy's `.npy` arrays and `.npz` archives (a ZIP of `.npy` members), read without Python.
// Only what a dataset needs: little-endian numbers in C order. Everything else (big-endian,
// Fortran order, objects, records) is a RangeError naming the file, never a silent misread.
import * as zlib from 'node:zlib';
import { FILE_LIMITS, readRegularFile } from '../io/read';

/** The element types read; every other dtype is refused. */
export type NpyType = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'uint64' | 'float32' | 'float64';

export interface NpyArray {
  /** Names the array in errors: a path, or `ARCHIVE.npz member NAME.npy`. */
  file: string;
  /** The dtype as the header wrote it, e.g. '<f8'. */
  descr: string;
  type: NpyType;
  shape: number[];
  /**
   * Row-major values. uint8: the bytes. float32/float64: a Float32Array (float64 rounded to
   * float32; every value finite). Other integers: their exact values in a Float64Array.
   */
  data: Uint8Array | Float32Array | Float64Array;
}

/** Whether an array holds integers (uint8 included): class labels, not targets. */
export function isIntegerType(type: NpyType): boolean {
  return type !== 'float32' && type !== 'float64';
}

const DTYPES: Readonly<Record<string, { type: NpyType; size: number }>> = {
  '|u1': { type: 'uint8', size: 1 },
  '<u1': { type: 'uint8', size: 1 },
  '|i1': { type: 'int8', size: 1 },
  '<i1': { type: 'int8', size: 1 },
  '<i2': { type: 'int16', size: 2 },
  '<i4': { type: 'int32', size: 4 },
  '<i8': { type: 'int64', size: 8 },
  '<u2': { type: 'uint16', size: 2 },
  '<u4': { type: 'uint32', size: 4 },
  '<u8': { type: 'uint64', size: 8 },
  '<f4': { type: 'float32', size: 4 },
  '<f8': { type: 'float64', size: 8 },
};

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** Reads a `.npy` file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readRegularFile(path, '.npy file', FILE_LIMITS.large), path);
}

/** Parses the bytes of a `.npy` file (format versions 1.0, 2.0 and 3.0). */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(NPY_MAGIC)) {
    throw new RangeError(`${file}: not a .npy file (bad magic ${JSON.stringify(buf.subarray(0, 6).toString('latin1'))}; a .npy file starts with \\x93NUMPY)`);
  }
  const [major, minor] = [buf[6], buf[7]];
  if (major < 1 || major > 3 || minor !== 0) throw new RangeError(`${file}: .npy format version ${major}.${minor} is not supported (1.0, 2.0, 3.0 are)`);
  // Version 1 has a 2-byte header length; 2 and 3 a 4-byte one (3 only changes the text to UTF-8).
  const prefix = major === 1 ? 10 : 12;
  if (buf.length < prefix) throw new RangeError(`${file}: truncated .npy header (${buf.length} bytes)`);
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  if (buf.length < prefix + headerLength) {
    throw new RangeError(`${file}: truncated .npy header: the file has ${buf.length} bytes, the header says it ends at byte ${prefix + headerLength}`);
  }
  const text = buf.subarray(prefix, prefix + headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const header = parseHeader(text, file);
  const dtype = dtypeOf(header.descr, file);
  if (header.fortranOrder) {
    throw new RangeError(`${file}: fortran_order is True (column-major data) and is not supported; save np.ascontiguousarray(a) instead`);
  }
  return { file, descr: header.descr, type: dtype.type, shape: header.shape, data: decodeData(buf, prefix + headerLength, header.shape, dtype, file) };
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** The header dict: exactly the keys 'descr', 'fortran_order' and 'shape', as NumPy writes them. */
function parseHeader(text: string, file: string): Header {
  if (!text.endsWith('\n')) throw new RangeError(`${file}: bad .npy header: it does not end with a newline (${JSON.stringify(text.slice(-20))})`);
  const value = new LiteralReader(text.trimEnd(), file).readAll();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError(`${file}: bad .npy header: not a dict (${JSON.stringify(text.trim())})`);
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new RangeError(`${file}: bad .npy header: keys must be 'descr', 'fortran_order', 'shape', got ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = value;
  if (Array.isArray(descr)) throw new RangeError(`${file}: structured dtype ${JSON.stringify(descr)} (a record array) is not supported; save one plain numeric array per file`);
  if (typeof descr !== 'string') throw new RangeError(`${file}: bad .npy header: 'descr' must be a string, got ${JSON.stringify(descr)}`);
  if (typeof fortranOrder !== 'boolean') throw new RangeError(`${file}: bad .npy header: 'fortran_order' must be True or False, got ${JSON.stringify(fortranOrder)}`);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(`${file}: bad .npy header: 'shape' must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return { descr, fortranOrder, shape: shape as number[] };
}

function dtypeOf(descr: string, file: string): { type: NpyType; size: number } {
  const known = DTYPES[descr];
  if (known) return known;
  if (descr.startsWith('>')) {
    throw new RangeError(`${file}: big-endian dtype '${descr}' is not supported; save a.astype(a.dtype.newbyteorder('<')) instead`);
  }
  if (descr.includes('O')) throw new RangeError(`${file}: object dtype '${descr}' (pickled Python objects) is not supported; save a numeric array`);
  throw new RangeError(`${file}: dtype '${descr}' is not supported; use uint8, float32, float64 or a little-endian integer type (i1, i2, i4, i8, u2, u4, u8)`);
}

/** The values after the header: exactly as many bytes as the shape needs, no fewer, no more. */
function decodeData(buf: Buffer, offset: number, shape: number[], dtype: { type: NpyType; size: number }, file: string): NpyArray['data'] {
  const count = shape.reduce((a, b) => a * b, 1);
  const have = buf.length - offset;
  const need = count * dtype.size;
  const tuple = shapeText(shape);
  if (have < need) throw new RangeError(`${file}: truncated: shape ${tuple} of ${dtype.type} needs ${need} data bytes, the file has ${have}`);
  if (have > need) throw new RangeError(`${file}: ${have - need} bytes of trailing garbage after the ${need} data bytes of shape ${tuple}`);
  if (dtype.type === 'uint8') return new Uint8Array(buf.subarray(offset, offset + count)); // a copy that owns its memory
  // DataView: member data inside an .npz need not be aligned for a typed-array view.
  const view = new DataView(buf.buffer, buf.byteOffset + offset, need);
  if (dtype.type === 'float32' || dtype.type === 'float64') return decodeFloats(view, count, dtype.type, shape, file);
  return decodeIntegers(view, count, dtype.type, shape, file);
}

function decodeFloats(view: DataView, count: number, type: 'float32' | 'float64', shape: number[], file: string): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = type === 'float32' ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    out[i] = v;
    // Rounding a float64 to float32 may overflow to Infinity: refused like NaN and Infinity themselves.
    if (!Number.isFinite(out[i])) {
      const why = Number.isFinite(v) ? `${v}, too large for float32` : `${v}`;
      throw new RangeError(`${file}: the value at ${indexText(i, shape)} is ${why}; values must be finite`);
    }
  }
  return out;
}

function decodeIntegers(view: DataView, count: number, type: NpyType, shape: number[], file: string): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'int8': out[i] = view.getInt8(i); break;
      case 'int16': out[i] = view.getInt16(i * 2, true); break;
      case 'int32': out[i] = view.getInt32(i * 4, true); break;
      case 'uint16': out[i] = view.getUint16(i * 2, true); break;
      case 'uint32': out[i] = view.getUint32(i * 4, true); break;
      default: {
        const big = type === 'int64' ? view.getBigInt64(i * 8, true) : view.getBigUint64(i * 8, true);
        // Beyond 2^53 a double would round it to a different integer.
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new RangeError(`${file}: the ${type} value at ${indexText(i, shape)} is ${big}, beyond the integers this reader keeps exact (±2^53)`);
        }
        out[i] = Number(big);
      }
    }
  }
  return out;
}

/** A shape as Python prints it: `(50,)`, `(50, 4)`, `()`. */
export function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** `[1, 3] (flat index 7)`: where a value sits, for errors. */
export function indexText(flat: number, shape: number[]): string {
  if (shape.length <= 1) return `index ${flat}`;
  const at: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `index [${at.join(', ')}] (flat index ${flat})`;
}

type PyLiteral = string | number | boolean | null | PyLiteral[] | { [key: string]: PyLiteral };

/** The few Python literals a .npy header uses: dicts, tuples, lists, strings, integers, True/False/None. */
class LiteralReader {
  private pos = 0;
  constructor(private readonly text: string, private readonly file: string) {}

  readAll(): PyLiteral {
    const value = this.value();
    this.space();
    if (this.pos !== this.text.length) this.fail('unexpected text after the dict');
    return value;
  }

  private fail(what: string): never {
    throw new RangeError(`${this.file}: bad .npy header: ${what} at character ${this.pos} of ${JSON.stringify(this.text)}`);
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private value(): PyLiteral {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    const m = /^(?:(-?\d+)L?|True|False|None)/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[0] === 'None' ? null : m[0] === 'True';
  }

  /** Items up to `close`, commas between and an optional trailing one: `(3,)`, `()`, `[1, 2]`. */
  private items(close: string, item: () => void): void {
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === close) break;
      item();
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.pos++;
  }

  private sequence(close: string): PyLiteral[] {
    const out: PyLiteral[] = [];
    this.items(close, () => out.push(this.value()));
    return out;
  }

  private dict(): { [key: string]: PyLiteral } {
    const out: { [key: string]: PyLiteral } = Object.create(null);
    this.items('}', () => {
      this.space();
      const key = this.string();
      this.space();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      if (key in out) this.fail(`key '${key}' given twice`);
      out[key] = this.value();
    });
    return out;
  }

  private string(): string {
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted string');
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (c === quote) {
        this.pos++;
        return out;
      }
      out += c === '\\' ? this.text[++this.pos] ?? '' : c;
    }
    return this.fail('unterminated string');
  }
}

// ---- .npz: a ZIP archive, stored (np.savez) or deflated (np.savez_compressed) ----

/** The `.npy` members of an `.npz`, read on demand. */
export interface NpzArchive {
  file: string;
  /** Member names without `.npy`, in archive order. */
  members: string[];
  /** Parses member `name` (given without `.npy`); a RangeError listing the members when absent. */
  read(name: string): NpyArray;
}

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;

/** Reads an `.npz` file. */
export function readNpz(path: string): NpzArchive {
  return parseNpz(readRegularFile(path, '.npz file', FILE_LIMITS.large), path);
}

/** Parses an `.npz` archive's central directory; members are inflated and parsed when read. */
export function parseNpz(bytes: Uint8Array, file: string): NpzArchive {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || (buf.readUInt32LE(0) !== SIG_LOCAL && buf.readUInt32LE(0) !== SIG_END)) {
    throw new RangeError(`${file}: not an .npz file (bad magic ${JSON.stringify(buf.subarray(0, 4).toString('latin1'))}; an .npz is a ZIP archive and starts with PK\\x03\\x04)`);
  }
  const entries = centralDirectory(buf, file);
  const npy = new Map(entries.filter((e) => e.name.endsWith('.npy')).map((e) => [e.name.slice(0, -'.npy'.length), e]));
  const members = [...npy.keys()];
  return {
    file,
    members,
    read(name: string): NpyArray {
      const entry = npy.get(name);
      if (!entry) throw new RangeError(`${file}: no member '${name}'; members present: ${members.join(', ') || 'none'}`);
      const where = `${file} member ${entry.name}`;
      return parseNpy(memberBytes(buf, entry, where), where);
    },
  };
}

/** The end record must end the file exactly (a ZIP comment included): anything after it is garbage. */
function endRecordOffset(buf: Buffer, file: string): number {
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  let found = -1;
  for (let at = buf.length - 22; at >= lowest; at--) {
    if (buf.readUInt32LE(at) !== SIG_END) continue;
    if (at + 22 + buf.readUInt16LE(at + 20) === buf.length) return at;
    if (found < 0) found = at;
  }
  if (found >= 0) {
    const end = found + 22 + buf.readUInt16LE(found + 20);
    if (end < buf.length) throw new RangeError(`${file}: ${buf.length - end} bytes of trailing garbage after the end of the ZIP archive`);
  }
  throw new RangeError(`${file}: truncated or damaged .npz: no ZIP end-of-central-directory record`);
}

function need(buf: Buffer, at: number, length: number, file: string, what: string): void {
  if (at < 0 || at + length > buf.length) throw new RangeError(`${file}: truncated .npz: the ${what} at byte ${at} runs past the end (${buf.length} bytes)`);
}

/** A ZIP64 size or offset: exact in a double only below 2^53. */
function u64(buf: Buffer, at: number, file: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${file}: ZIP64 value ${v} at byte ${at} is too large`);
  return Number(v);
}

function centralDirectory(buf: Buffer, file: string): ZipEntry[] {
  const end = endRecordOffset(buf, file);
  if (buf.readUInt16LE(end + 4) !== 0 || buf.readUInt16LE(end + 6) !== 0) throw new RangeError(`${file}: a ZIP archive split over several disks is not supported`);
  let count = buf.readUInt16LE(end + 10);
  let offset = buf.readUInt32LE(end + 16);
  // 0xFFFF / 0xFFFFFFFF mean "see the ZIP64 end record", found through the locator just before.
  if (count === 0xffff || buf.readUInt32LE(end + 12) === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== SIG_END64_LOCATOR) throw new RangeError(`${file}: damaged .npz: ZIP64 sizes but no ZIP64 end-record locator`);
    const end64 = u64(buf, locator + 8, file);
    need(buf, end64, 56, file, 'ZIP64 end record');
    if (buf.readUInt32LE(end64) !== SIG_END64) throw new RangeError(`${file}: damaged .npz: no ZIP64 end record at byte ${end64}`);
    count = u64(buf, end64 + 32, file);
    offset = u64(buf, end64 + 48, file);
  }
  const entries: ZipEntry[] = [];
  for (let i = 0, at = offset; i < count; i++) {
    need(buf, at, 46, file, 'central directory entry');
    if (buf.readUInt32LE(at) !== SIG_CENTRAL) throw new RangeError(`${file}: damaged .npz: central directory entry ${i} at byte ${at} has a bad signature`);
    const [nameLength, extraLength, commentLength] = [buf.readUInt16LE(at + 28), buf.readUInt16LE(at + 30), buf.readUInt16LE(at + 32)];
    need(buf, at + 46, nameLength + extraLength + commentLength, file, 'central directory entry');
    const entry: ZipEntry = {
      name: buf.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      crc: buf.readUInt32LE(at + 16),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
    };
    applyZip64Extra(entry, buf.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), file);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The ZIP64 extra field (id 1) holds, in this order, whichever of the three fields read 0xFFFFFFFF. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer, file: string): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const [id, size] = [extra.readUInt16LE(at), extra.readUInt16LE(at + 2)];
    if (id === 0x0001) {
      let p = at + 4;
      for (const field of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[field] !== 0xffffffff) continue;
        if (p + 8 > at + 4 + size || p + 8 > extra.length) throw new RangeError(`${file}: damaged .npz: member ${entry.name} has a short ZIP64 extra field`);
        entry[field] = u64(extra, p, file);
        p += 8;
      }
    }
    at += 4 + size;
  }
}

/** A member's uncompressed bytes, their size and CRC-32 checked. */
function memberBytes(buf: Buffer, entry: ZipEntry, where: string): Buffer {
  if (entry.flags & 1) throw new RangeError(`${where}: encrypted ZIP members are not supported`);
  need(buf, entry.localOffset, 30, where, 'local header');
  if (buf.readUInt32LE(entry.localOffset) !== SIG_LOCAL) throw new RangeError(`${where}: damaged .npz: no local header at byte ${entry.localOffset}`);
  // The local header's own sizes may be placeholders (ZIP64, data descriptors): the central directory's count.
  const start = entry.localOffset + 30 + buf.readUInt16LE(entry.localOffset + 26) + buf.readUInt16LE(entry.localOffset + 28);
  need(buf, start, entry.compressedSize, where, 'member data');
  const raw = buf.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflate(raw, entry.size, where);
  else throw new RangeError(`${where}: ZIP compression method ${entry.method} is not supported (0, stored, and 8, deflate, are: np.savez and np.savez_compressed)`);
  if (data.length !== entry.size) throw new RangeError(`${where}: damaged .npz: ${data.length} bytes where the directory says ${entry.size}`);
  const crc = crc32(data);
  if (crc !== entry.crc) throw new RangeError(`${where}: damaged .npz: CRC-32 is ${hex(crc)}, the directory says ${hex(entry.crc)}`);
  return data;
}

function inflate(raw: Buffer, size: number, where: string): Buffer {
  try {
    // One byte of room past the expected size: more output is reported as a size mismatch, not inflated on.
    return zlib.inflateRawSync(raw, { maxOutputLength: size + 1 });
  } catch (e) {
    throw new RangeError(`${where}: damaged .npz: cannot inflate the member (${(e as Error).message})`);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ZIP's): node's own where it has one (20.15+), else `crc32Portable`. */
function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return native ? native(data) >>> 0 : crc32Portable(data);
}

/** CRC-32 by table, for node versions without zlib.crc32; exported for its test. */
export function crc32Portable(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
