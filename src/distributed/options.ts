// Data-parallel options: checked before anything is built, or read from torchrun's variables.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { NativeGroupOptions } from '../native';
import { describe, requireInteger, requireNumber } from '../validate';

/** `train({ distributed })`: this process's place in a data-parallel job (README "Data parallel"). */
export interface DistributedOptions {
  /** This process's rank, 0..worldSize-1; rank 0 writes the run folder and reports progress. */
  rank: number;
  worldSize: number;
  /** Rendezvous over TCP: rank 0 serves a store on this `host:port`, the others connect to it. Joining waits up to twice the timeout (the store, then Gloo's connections). */
  master?: string;
  /** Or rendezvous through a file every rank can reach (one machine; nothing listens on the network). Use a new path for every job: a file left by another job misleads the rendezvous. */
  storeFile?: string;
  /** Network interface for the gradient traffic (e.g. 'eth0'); default: loopback with `storeFile`, else the hostname's address. */
  iface?: string;
  /** Seconds a rank waits for the others (rendezvous and every collective) before failing. Default 60. */
  timeoutSeconds?: number;
  /** Size of the flat gradient buckets all-reduced together, in bytes. Default 4 MiB. */
  bucketBytes?: number;
}

/** Checked options: exactly what the addon's joinGroup takes. */
export type CheckedDistributed = NativeGroupOptions;

export const DEFAULT_DIST_TIMEOUT_S = 60;
const DEFAULT_BUCKET_BYTES = 4 << 20;

/** `host:port` (IPv6 in brackets) → its parts; RangeError otherwise. */
export function parseMaster(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new RangeError(`master must be HOST:PORT with a port in 1..65535, got '${text}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function checkDistributed(options: DistributedOptions): CheckedDistributed {
  if (typeof options !== 'object' || options === null) throw new TypeError(`distributed must be an object, got ${describe(options)}`);
  const worldSize = requireInteger('distributed.worldSize', options.worldSize, 1, 65536);
  const rank = requireInteger('distributed.rank', options.rank, 0, worldSize - 1);
  const given = (name: 'master' | 'storeFile' | 'iface') => {
    const v = options[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new TypeError(`distributed.${name} must be a non-empty string, got ${describe(v)}`);
    return v;
  };
  const master = given('master');
  const storeFile = given('storeFile');
  if ((master === undefined) === (storeFile === undefined)) {
    throw new TypeError('distributed needs exactly one of master (HOST:PORT, several machines) or storeFile (one machine)');
  }
  const { host, port } = master !== undefined ? parseMaster(master) : { host: '', port: 0 };
  if (storeFile !== undefined && !existsSync(dirname(resolve(storeFile)))) {
    throw new RangeError(`distributed.storeFile's folder ${dirname(resolve(storeFile))} does not exist`);
  }
  return {
    rank,
    world: worldSize,
    storePath: storeFile ?? '',
    masterHost: host,
    masterPort: port,
    iface: given('iface') ?? '',
    timeoutMs: Math.round(1000 * requireNumber('distributed.timeoutSeconds', options.timeoutSeconds ?? DEFAULT_DIST_TIMEOUT_S, 0.001, 86400)),
    bucketBytes: requireInteger('distributed.bucketBytes', options.bucketBytes ?? DEFAULT_BUCKET_BYTES, 4, 2 ** 40),
  };
}

/**
 * torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; LAYEROUT_STORE_FILE in
 * place of the last two for the local launcher), or null when WORLD_SIZE is unset.
 */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedOptions | null {
  if (env.WORLD_SIZE === undefined) {
    if (env.RANK !== undefined) throw new RangeError('RANK is set but WORLD_SIZE is not: set both (as torchrun does), or neither');
    return null;
  }
  const int = (name: string) => {
    const text = env[name];
    if (text === undefined || !/^\d+$/.test(text)) throw new RangeError(`the environment variable ${name} must be a whole number, got ${text === undefined ? 'nothing' : `'${text}'`}`);
    return Number(text);
  };
  const worldSize = int('WORLD_SIZE');
  if (worldSize < 1) throw new RangeError('the environment variable WORLD_SIZE must be at least 1, got 0');
  if (worldSize === 1 && env.RANK === undefined) return null;
  const rank = int('RANK');
  if (rank >= worldSize) throw new RangeError(`the environment variable RANK (${rank}) must be less than WORLD_SIZE (${worldSize})`);
  if (env.LAYEROUT_STORE_FILE) return { rank, worldSize, storeFile: env.LAYEROUT_STORE_FILE };
  if (!env.MASTER_ADDR) throw new RangeError('WORLD_SIZE is set but MASTER_ADDR is not: set MASTER_ADDR and MASTER_PORT (as torchrun does)');
  return { rank, worldSize, master: `${env.MASTER_ADDR}:${int('MASTER_PORT')}` };
}
