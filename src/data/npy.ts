// NumPy's `.npy` arrays and `.npz` archives (a ZIP of `.npy` members), read without Python.
// Only what a dataset needs: little-endian numbers in C order. Everything else (big-endian,
// Fortran order, objects, records) is a RangeError naming the file, never a silent misread.
import { FILE_LIMITS, readRegularFile } from '../io/read';
import { centralDirectory, looksLikeZip, memberBytes } from '../io/zip';
export { crc32Portable } from '../io/zip';

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

/** Reads an `.npz` file. */
export function readNpz(path: string): NpzArchive {
  return parseNpz(readRegularFile(path, '.npz file', FILE_LIMITS.large), path);
}

/** Parses an `.npz` archive's central directory; members are inflated and parsed when read. */
export function parseNpz(bytes: Uint8Array, file: string): NpzArchive {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!looksLikeZip(buf)) {
    throw new RangeError(`${file}: not an .npz file (bad magic ${JSON.stringify(buf.subarray(0, 4).toString('latin1'))}; an .npz is a ZIP archive and starts with PK\\x03\\x04)`);
  }
  const entries = centralDirectory(buf, file, '.npz');
  const npy = new Map(entries.filter((e) => e.name.endsWith('.npy')).map((e) => [e.name.slice(0, -'.npy'.length), e]));
  const members = [...npy.keys()];
  return {
    file,
    members,
    read(name: string): NpyArray {
      const entry = npy.get(name);
      if (!entry) throw new RangeError(`${file}: no member '${name}'; members present: ${members.join(', ') || 'none'}`);
      const where = `${file} member ${entry.name}`;
      return parseNpy(memberBytes(buf, entry, where, '.npz'), where);
    },
  };
}

