// The tensors of a file written by `torch.save(model.state_dict(), FILE)` (PyTorch 1.6 and later:
// a ZIP archive holding `data.pkl`, a pickle whose tensors point at storages in `data/<key>`),
// read without Python. libtorch 1.13's own unpickler gives None for PyTorch's OrderedDict state
// dicts, so the few pickle opcodes torch.save writes are read here; anything else is an error
// naming the opcode. Only plain data is built: no pickled code ever runs.
import { centralDirectory, looksLikeZip, memberBytes, type ZipEntry } from './zip';

/** One tensor of the file, contiguous, as float32 (floating types) or int64 (integer types). */
export interface SavedTensor {
  shape: number[];
  data: Float32Array | BigInt64Array;
}

const KIND = 'PyTorch file';

/** Whether the bytes are a torch.save ZIP archive (not TorchScript: that has code/ members). */
export function isTorchSaveArchive(bytes: Uint8Array): boolean {
  const buf = toBuffer(bytes);
  if (!looksLikeZip(buf)) return false;
  try {
    const names = centralDirectory(buf, 'file', KIND).map((e) => e.name);
    return names.some((n) => /(^|\/)data\.pkl$/.test(n)) && !names.some((n) => /(^|\/)code\//.test(n));
  } catch {
    return false;
  }
}

/** Every tensor of the state dict, by key, in the file's order; non-tensor values are left out. */
export function readTorchSave(bytes: Uint8Array, file: string): Map<string, SavedTensor> {
  const buf = toBuffer(bytes);
  const entries = centralDirectory(buf, file, KIND);
  const pkl = entries.find((e) => /(^|\/)data\.pkl$/.test(e.name));
  if (!pkl) throw new RangeError(`${file}: not a torch.save file (no data.pkl in the archive)`);
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const storage = (key: string): Buffer => {
    const entry = byName.get(`${prefix}data/${key}`);
    if (!entry) throw new RangeError(`${file}: the storage data/${key} is missing from the archive`);
    return memberBytes(buf, entry, `${file} member ${entry.name}`, KIND);
  };
  const root = new Unpickler(memberBytes(buf, pkl, `${file} member ${pkl.name}`, KIND), file).load();
  const dict = root instanceof Map ? root : root instanceof Reduced && root.value instanceof Map ? root.value : null;
  if (!dict) throw new RangeError(`${file}: holds ${describeValue(root)}, not a {name: tensor} dict (save model.state_dict())`);
  const out = new Map<string, SavedTensor>();
  for (const [key, value] of dict) {
    if (typeof key !== 'string') throw new RangeError(`${file}: a key of the state dict is not a string`);
    if (value instanceof TensorRef) out.set(key, value.materialise(storage, `${file}: ${key}`));
  }
  if (out.size === 0) {
    // A training checkpoint ({ 'state_dict': ..., 'epoch': ... }): say where the weights are.
    const nested = [...dict].filter(([, v]) => v instanceof Map && [...v.values()].some((t) => t instanceof TensorRef)).map(([k]) => String(k));
    if (nested.length) throw new RangeError(`${file}: the tensors are inside ${nested.map((k) => `'${k}'`).join(', ')}, not at the top: save that dict itself, e.g. torch.save(checkpoint['${nested[0]}'], FILE)`);
  }
  return out;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- the pickle subset torch.save writes (protocol 2) ----------------------------------------

class Global {
  constructor(readonly name: string) {}
}
class Mark {}
/** A call the reader does not model (its result is kept opaque and never used as a tensor). */
class Reduced {
  constructor(
    readonly callable: string,
    readonly value: unknown = null,
  ) {}
}
class StorageRef {
  constructor(
    readonly dtype: string,
    readonly key: string,
  ) {}
}

const STORAGE_TYPES: Record<string, { bytes: number; read: (b: Buffer, at: number) => number | bigint; float: boolean }> = {
  FloatStorage: { bytes: 4, read: (b, at) => b.readFloatLE(at), float: true },
  DoubleStorage: { bytes: 8, read: (b, at) => b.readDoubleLE(at), float: true },
  HalfStorage: { bytes: 2, read: (b, at) => halfToFloat(b.readUInt16LE(at)), float: true },
  BFloat16Storage: { bytes: 2, read: (b, at) => new Float32Array(new Uint32Array([b.readUInt16LE(at) << 16]).buffer)[0], float: true },
  LongStorage: { bytes: 8, read: (b, at) => b.readBigInt64LE(at), float: false },
  IntStorage: { bytes: 4, read: (b, at) => BigInt(b.readInt32LE(at)), float: false },
  ShortStorage: { bytes: 2, read: (b, at) => BigInt(b.readInt16LE(at)), float: false },
  CharStorage: { bytes: 1, read: (b, at) => BigInt(b.readInt8(at)), float: false },
  ByteStorage: { bytes: 1, read: (b, at) => BigInt(b.readUInt8(at)), float: false },
  BoolStorage: { bytes: 1, read: (b, at) => BigInt(b.readUInt8(at)), float: false },
};

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}

  materialise(read: (key: string) => Buffer, where: string): SavedTensor {
    const type = STORAGE_TYPES[this.storage.dtype];
    if (!type) throw new RangeError(`${where}: storage type ${this.storage.dtype} is not supported`);
    const bytes = read(this.storage.key);
    const count = this.shape.reduce((a, b) => a * b, 1);
    const out = type.float ? new Float32Array(count) : new BigInt64Array(count);
    const index = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let at = this.offset;
      for (let d = 0; d < index.length; d++) at += index[d] * this.stride[d];
      if ((at + 1) * type.bytes > bytes.length) throw new RangeError(`${where}: element ${i} lies past the end of its storage`);
      out[i] = type.read(bytes, at * type.bytes) as never;
      for (let d = index.length - 1; d >= 0; d--) {
        if (++index[d] < this.shape[d]) break;
        index[d] = 0;
      }
    }
    return { shape: [...this.shape], data: out };
  }
}

class Unpickler {
  private at = 0;
  private readonly stack: unknown[] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(
    private readonly buf: Buffer,
    private readonly file: string,
  ) {}

  load(): unknown {
    for (;;) {
      if (this.at >= this.buf.length) throw this.fail('the pickle ends before its STOP');
      const op = this.buf[this.at++];
      switch (op) {
        case 0x80: this.at++; break; // PROTO
        case 0x95: this.at += 8; break; // FRAME
        case 0x2e: return this.stack.pop(); // STOP
        case 0x7d: this.stack.push(new Map()); break; // EMPTY_DICT
        case 0x5d: this.stack.push([]); break; // EMPTY_LIST
        case 0x29: this.stack.push([]); break; // EMPTY_TUPLE
        case 0x28: this.stack.push(new Mark()); break; // MARK
        case 0x4e: this.stack.push(null); break; // NONE
        case 0x88: this.stack.push(true); break; // NEWTRUE
        case 0x89: this.stack.push(false); break; // NEWFALSE
        case 0x4b: this.stack.push(this.buf.readUInt8(this.take(1))); break; // BININT1
        case 0x4d: this.stack.push(this.buf.readUInt16LE(this.take(2))); break; // BININT2
        case 0x4a: this.stack.push(this.buf.readInt32LE(this.take(4))); break; // BININT
        case 0x8a: this.stack.push(this.long1()); break; // LONG1
        case 0x47: this.stack.push(this.buf.readDoubleBE(this.take(8))); break; // BINFLOAT
        case 0x58: this.stack.push(this.text(this.buf.readUInt32LE(this.take(4)))); break; // BINUNICODE
        case 0x8c: this.stack.push(this.text(this.buf.readUInt8(this.take(1)))); break; // SHORT_BINUNICODE
        case 0x54: this.stack.push(this.text(this.buf.readUInt32LE(this.take(4)))); break; // BINSTRING
        case 0x55: this.stack.push(this.text(this.buf.readUInt8(this.take(1)))); break; // SHORT_BINSTRING
        case 0x63: this.stack.push(new Global(`${this.line()}.${this.line()}`)); break; // GLOBAL
        case 0x71: this.memo.set(this.buf.readUInt8(this.take(1)), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.buf.readUInt32LE(this.take(4)), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x68: this.stack.push(this.get(this.buf.readUInt8(this.take(1)))); break; // BINGET
        case 0x6a: this.stack.push(this.get(this.buf.readUInt32LE(this.take(4)))); break; // LONG_BINGET
        case 0x74: this.stack.push(this.popMark()); break; // TUPLE
        case 0x85: this.stack.push(this.popN(1)); break; // TUPLE1
        case 0x86: this.stack.push(this.popN(2)); break; // TUPLE2
        case 0x87: this.stack.push(this.popN(3)); break; // TUPLE3
        case 0x61: { const v = this.stack.pop(); (this.top() as unknown[]).push(v); break; } // APPEND
        case 0x65: { const items = this.popMark(); (this.top() as unknown[]).push(...items); break; } // APPENDS
        case 0x73: { const v = this.stack.pop(); const k = this.stack.pop(); this.setItem(this.top(), k, v); break; } // SETITEM
        case 0x75: { const items = this.popMark(); for (let i = 0; i + 1 < items.length; i += 2) this.setItem(this.top(), items[i], items[i + 1]); break; } // SETITEMS
        case 0x52: { const args = this.stack.pop() as unknown[]; const fn = this.stack.pop(); this.stack.push(this.reduce(fn, args)); break; } // REDUCE
        case 0x62: this.stack.pop(); break; // BUILD: the state (an OrderedDict's _metadata) is not needed
        case 0x51: this.stack.push(this.persistent(this.stack.pop())); break; // BINPERSID
        default:
          throw this.fail(`pickle opcode 0x${op.toString(16)} at byte ${this.at - 1} is not one torch.save writes for a state dict`);
      }
    }
  }

  private reduce(fn: unknown, args: unknown[]): unknown {
    const name = fn instanceof Global ? fn.name : String(fn);
    if (name === 'collections.OrderedDict') return new Map();
    if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
      const [storage, offset, shape, stride] = args as [StorageRef, number, number[], number[]];
      if (!(storage instanceof StorageRef)) throw this.fail('a tensor without a storage');
      return new TensorRef(storage, offset, [...shape], [...stride]);
    }
    // libtorch's pickle_save (layerout's own exports) tags the dict with its type.
    if (name === 'torch._utils._rebuild_parameter' || name === 'torch._utils._rebuild_parameter_with_state' || name === 'torch.jit._pickle.restore_type_tag') return args[0];
    return new Reduced(name);
  }

  /** ('storage', torch.FloatStorage, key, location, numel): the storage in data/<key>. */
  private persistent(pid: unknown): StorageRef {
    const t = pid as unknown[];
    if (!Array.isArray(t) || t[0] !== 'storage' || !(t[1] instanceof Global)) throw this.fail('a persistent id that is not a storage');
    const dtype = t[1].name.replace(/^torch\./, '');
    return new StorageRef(dtype, String(t[2]));
  }

  private setItem(target: unknown, key: unknown, value: unknown): void {
    if (target instanceof Map) target.set(key, value);
    else if (!(target instanceof Reduced)) throw this.fail('SETITEM on something that is not a dict');
  }

  private take(n: number): number {
    const at = this.at;
    if (at + n > this.buf.length) throw this.fail('the pickle is truncated');
    this.at += n;
    return at;
  }

  private text(n: number): string {
    const at = this.take(n);
    return this.buf.subarray(at, at + n).toString('utf8');
  }

  private line(): string {
    const end = this.buf.indexOf(0x0a, this.at);
    if (end < 0) throw this.fail('the pickle is truncated');
    const s = this.buf.subarray(this.at, end).toString('utf8');
    this.at = end + 1;
    return s;
  }

  private long1(): number {
    const n = this.buf.readUInt8(this.take(1));
    const at = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[at + i]);
    if (n > 0 && this.buf[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return Number(v);
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.fail('the pickle stack is empty');
    return this.stack[this.stack.length - 1];
  }

  private get(key: number): unknown {
    if (!this.memo.has(key)) throw this.fail(`memo entry ${key} is not set`);
    return this.memo.get(key);
  }

  private popN(n: number): unknown[] {
    if (this.stack.length < n) throw this.fail('the pickle stack is short');
    return this.stack.splice(this.stack.length - n, n);
  }

  private popMark(): unknown[] {
    let i = this.stack.length - 1;
    while (i >= 0 && !(this.stack[i] instanceof Mark)) i--;
    if (i < 0) throw this.fail('no MARK on the pickle stack');
    const items = this.stack.splice(i + 1);
    this.stack.pop();
    return items;
  }

  private fail(why: string): RangeError {
    return new RangeError(`${this.file}: cannot read the state dict: ${why}`);
  }
}

function describeValue(v: unknown): string {
  if (v instanceof Reduced) return `a ${v.callable} object`;
  if (Array.isArray(v)) return 'a list or tuple';
  return v === null ? 'None' : typeof v;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
