// CPU features, read at run time: the machines behind one machine kind differ.
import { readFileSync } from 'node:fs';

/** The CPU's feature flags (Linux: /proc/cpuinfo; empty elsewhere). */
export function cpuFlags(): Set<string> {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** Whether the CPU computes in bfloat16 natively (AVX512-BF16 or AMX). */
export function cpuHasBf16(flags: Set<string> = cpuFlags()): boolean {
  return flags.has('avx512_bf16') || flags.has('amx_bf16');
}
