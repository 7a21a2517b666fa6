// CPU features read at run time (the machines behind one kind differ), and the ATen dispatch
// level the addon asks libtorch for. ATen picks its kernels once, at the first operator, from
// ATEN_CPU_CAPABILITY: so this runs before the addon is loaded.
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

/** The AVX-512 subsets ATen's AVX512 kernels need. */
const AVX512 = ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'];

/**
 * Sets ATEN_CPU_CAPABILITY to avx512 where the CPU has it and the user has not chosen (Debian's
 * libtorch 1.13 carries AVX-512 kernels but picks AVX2 by itself). LAYEROUT_CPU_CAPABILITY=off
 * leaves libtorch's own choice; an ATEN_CPU_CAPABILITY already set always wins.
 */
export function chooseAtenCapability(env: NodeJS.ProcessEnv = process.env, flags: Set<string> = cpuFlags()): string | undefined {
  if (env.ATEN_CPU_CAPABILITY !== undefined || env.LAYEROUT_CPU_CAPABILITY === 'off') return env.ATEN_CPU_CAPABILITY;
  if (AVX512.every((f) => flags.has(f))) env.ATEN_CPU_CAPABILITY = 'avx512';
  return env.ATEN_CPU_CAPABILITY;
}
