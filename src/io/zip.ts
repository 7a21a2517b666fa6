// ZIP archives as NumPy (.npz) and PyTorch (torch.save, TorchScript) write them: the central
// directory (ZIP64 included) and members stored or deflated, sizes and CRC-32 checked.
import * as zlib from 'node:zlib';

export interface ZipEntry {
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

/** The end record must end the file exactly (a ZIP comment included): anything after it is garbage. */
function endRecordOffset(buf: Buffer, file: string, kind: string): number {
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
  throw new RangeError(`${file}: truncated or damaged ${kind}: no ZIP end-of-central-directory record`);
}

function need(buf: Buffer, at: number, length: number, file: string, what: string, kind: string): void {
  if (at < 0 || at + length > buf.length) throw new RangeError(`${file}: truncated ${kind}: the ${what} at byte ${at} runs past the end (${buf.length} bytes)`);
}

/** A ZIP64 size or offset: exact in a double only below 2^53. */
function u64(buf: Buffer, at: number, file: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${file}: ZIP64 value ${v} at byte ${at} is too large`);
  return Number(v);
}

/** The archive's members as its central directory lists them; `kind` names the format in errors ('.npz', 'PyTorch file'). */
export function centralDirectory(buf: Buffer, file: string, kind: string): ZipEntry[] {
  const end = endRecordOffset(buf, file, kind);
  if (buf.readUInt16LE(end + 4) !== 0 || buf.readUInt16LE(end + 6) !== 0) throw new RangeError(`${file}: a ZIP archive split over several disks is not supported`);
  let count = buf.readUInt16LE(end + 10);
  let offset = buf.readUInt32LE(end + 16);
  // 0xFFFF / 0xFFFFFFFF mean "see the ZIP64 end record", found through the locator just before.
  if (count === 0xffff || buf.readUInt32LE(end + 12) === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== SIG_END64_LOCATOR) throw new RangeError(`${file}: damaged ${kind}: ZIP64 sizes but no ZIP64 end-record locator`);
    const end64 = u64(buf, locator + 8, file);
    need(buf, end64, 56, file, 'ZIP64 end record', kind);
    if (buf.readUInt32LE(end64) !== SIG_END64) throw new RangeError(`${file}: damaged ${kind}: no ZIP64 end record at byte ${end64}`);
    count = u64(buf, end64 + 32, file);
    offset = u64(buf, end64 + 48, file);
  }
  const entries: ZipEntry[] = [];
  for (let i = 0, at = offset; i < count; i++) {
    need(buf, at, 46, file, 'central directory entry', kind);
    if (buf.readUInt32LE(at) !== SIG_CENTRAL) throw new RangeError(`${file}: damaged ${kind}: central directory entry ${i} at byte ${at} has a bad signature`);
    const [nameLength, extraLength, commentLength] = [buf.readUInt16LE(at + 28), buf.readUInt16LE(at + 30), buf.readUInt16LE(at + 32)];
    need(buf, at + 46, nameLength + extraLength + commentLength, file, 'central directory entry', kind);
    const entry: ZipEntry = {
      name: buf.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      crc: buf.readUInt32LE(at + 16),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
    };
    applyZip64Extra(entry, buf.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), file, kind);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The ZIP64 extra field (id 1) holds, in this order, whichever of the three fields read 0xFFFFFFFF. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer, file: string, kind: string): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const [id, size] = [extra.readUInt16LE(at), extra.readUInt16LE(at + 2)];
    if (id === 0x0001) {
      let p = at + 4;
      for (const field of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[field] !== 0xffffffff) continue;
        if (p + 8 > at + 4 + size || p + 8 > extra.length) throw new RangeError(`${file}: damaged ${kind}: member ${entry.name} has a short ZIP64 extra field`);
        entry[field] = u64(extra, p, file);
        p += 8;
      }
    }
    at += 4 + size;
  }
}

/** A member's uncompressed bytes, their size and CRC-32 checked. */
export function memberBytes(buf: Buffer, entry: ZipEntry, where: string, kind: string): Buffer {
  if (entry.flags & 1) throw new RangeError(`${where}: encrypted ZIP members are not supported`);
  need(buf, entry.localOffset, 30, where, 'local header', kind);
  if (buf.readUInt32LE(entry.localOffset) !== SIG_LOCAL) throw new RangeError(`${where}: damaged ${kind}: no local header at byte ${entry.localOffset}`);
  // The local header's own sizes may be placeholders (ZIP64, data descriptors): the central directory's count.
  const start = entry.localOffset + 30 + buf.readUInt16LE(entry.localOffset + 26) + buf.readUInt16LE(entry.localOffset + 28);
  need(buf, start, entry.compressedSize, where, 'member data', kind);
  const raw = buf.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflate(raw, entry.size, where, kind);
  else throw new RangeError(`${where}: ZIP compression method ${entry.method} is not supported (0, stored, and 8, deflate, are: np.savez and np.savez_compressed)`);
  if (data.length !== entry.size) throw new RangeError(`${where}: damaged ${kind}: ${data.length} bytes where the directory says ${entry.size}`);
  const crc = crc32(data);
  if (crc !== entry.crc) throw new RangeError(`${where}: damaged ${kind}: CRC-32 is ${hex(crc)}, the directory says ${hex(entry.crc)}`);
  return data;
}

function inflate(raw: Buffer, size: number, where: string, kind: string): Buffer {
  try {
    // One byte of room past the expected size: more output is reported as a size mismatch, not inflated on.
    return zlib.inflateRawSync(raw, { maxOutputLength: size + 1 });
  } catch (e) {
    throw new RangeError(`${where}: damaged ${kind}: cannot inflate the member (${(e as Error).message})`);
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

/** Whether the bytes start like a ZIP archive (a local header, or the end record of an empty one). */
export function looksLikeZip(buf: Buffer): boolean {
  return buf.length >= 4 && (buf.readUInt32LE(0) === SIG_LOCAL || buf.readUInt32LE(0) === SIG_END);
}
