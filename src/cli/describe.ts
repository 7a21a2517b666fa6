// `inspect` in words: a checkpoint's policy state as a sentence. The raw state (the RNG's 256-byte
// ARC4 table) means nothing to a reader; it stays available through `inspect --json`.
import { createHash } from 'node:crypto';

const SHOWN = 8;

interface RandomPolicyState {
  rng: unknown;
  v: number[] | null;
}

function isRandomPolicyState(state: unknown): state is RandomPolicyState {
  if (!state || typeof state !== 'object' || !('rng' in state)) return false;
  const v = (state as { v?: unknown }).v;
  return v === null || v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
}

function vector(v: number[]): string {
  const shown = v.slice(0, SHOWN).map((x) => x.toFixed(2));
  return `(${shown.join(', ')}${v.length > SHOWN ? `, … ${v.length} values` : ''})`;
}

/** Short digest of the RNG state: equal for two checkpoints at the same point of the stream. */
function fingerprint(rng: unknown): string {
  return createHash('sha256').update(JSON.stringify(rng)).digest('hex').slice(0, 8);
}

/**
 * `policyName` is the policy's `name` as the checkpoint stores it ("layerout(sample=once)",
 * "efreeze(v=fixed, warmup=20)", "freezeout(t0=0.5, cubic)", "none"); `state` its getState().
 */
export function describePolicyState(policyName: string, state: unknown): string {
  if (state === null || state === undefined) return 'no state (deterministic policy)';
  if (!isRandomPolicyState(state)) {
    const keys = typeof state === 'object' ? Object.keys(state as object).join(', ') : typeof state;
    return `a state this version cannot describe (${keys}); see --json`;
  }
  // Under the authors' code semantics the vector holds keep probabilities.
  const what = policyName.includes('compat=reference-code') ? 'keep probabilities v' : 'v';
  const stream = `random stream at state ${fingerprint(state.rng)}`;
  const v = state.v ?? null;
  if (policyName.includes('v=fixed')) return `${what} fixed by the policy; masks drawn from the ${stream}`;
  if (policyName.includes('sample=once') || policyName.includes('compat=reference-code')) {
    return v ? `${what} drawn once per run = ${vector(v)}; ${stream}` : `${what} not drawn yet (drawn once, at the first LayerOut epoch); ${stream}`;
  }
  return v ? `a new ${what} is drawn every epoch, the last = ${vector(v)}; ${stream}` : `a new ${what} is drawn every epoch, none drawn yet; ${stream}`;
}
