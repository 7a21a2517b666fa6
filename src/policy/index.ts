// Policy specs (`layerout:warmup=20:compat=reference-code`, ...) and the factory.
import { LayerOutPolicy, manualVector, type Compat } from './layerout';
import { FreezeOutPolicy, FunctionPolicy, NonePolicy } from './simple';
import type { FreezePolicy, MaskFunction, PolicyContext } from './types';

export type { FreezePolicy, MaskFunction, PolicyContext } from './types';
export { LayerOutPolicy, leadingRun, manualVector } from './layerout';
export { FreezeOutPolicy, FunctionPolicy, NonePolicy } from './simple';

export type PolicySpec =
  | { kind: 'none' }
  | {
      kind: 'layerout' | 'efreeze' | 'dfreeze';
      v?: number[];
      sampleV?: 'epoch' | 'once';
      warmup?: number;
      compat?: Compat;
    }
  | { kind: 'freezeout'; t0?: number; spacing?: 'linear' | 'cubic' };

export const POLICY_HELP =
  'none, layerout[:warmup=E][:v=P1,P2,...][:sample=epoch|once], efreeze[:warmup=E], dfreeze[:warmup=E], ' +
  'freezeout[:t0=T][:spacing=linear|cubic]; layerout/efreeze/dfreeze accept :compat=reference-code';

const ALLOWED_KEYS: Record<string, string[]> = {
  none: [],
  layerout: ['warmup', 'v', 'sample', 'compat'],
  efreeze: ['warmup', 'compat'],
  dfreeze: ['warmup', 'compat'],
  freezeout: ['t0', 'spacing'],
};

function parseNumber(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new RangeError(`--policy: ${what} must be a number, got '${text}'`);
  return n;
}

/** Parses a policy string; errors name the part that is wrong and what is allowed. */
export function parsePolicy(text: string): PolicySpec {
  const [kind, ...parts] = text.split(':');
  const allowed = ALLOWED_KEYS[kind];
  if (!allowed) throw new RangeError(`--policy: unknown policy '${kind}'; allowed: ${POLICY_HELP}`);
  const options: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!allowed.includes(key) || eq < 0) {
      throw new RangeError(`--policy ${kind}: unknown or malformed option '${part}'; allowed: ${allowed.map((k) => `${k}=…`).join(', ') || 'none'}`);
    }
    options[key] = part.slice(eq + 1);
  }
  if (kind === 'none') return { kind };
  if (kind === 'freezeout') {
    const spacing = options.spacing;
    if (spacing !== undefined && spacing !== 'linear' && spacing !== 'cubic') {
      throw new RangeError(`--policy freezeout: spacing must be linear or cubic, got '${spacing}'`);
    }
    return {
      kind,
      t0: options.t0 === undefined ? undefined : parseNumber(options.t0, 't0'),
      spacing: spacing as 'linear' | 'cubic' | undefined,
    };
  }
  const spec: PolicySpec = { kind: kind as 'layerout' | 'efreeze' | 'dfreeze' };
  if (options.warmup !== undefined) {
    const w = parseNumber(options.warmup, 'warmup');
    if (!Number.isInteger(w) || w < 0) throw new RangeError(`--policy ${kind}: warmup must be a whole number of epochs, got '${options.warmup}'`);
    spec.warmup = w;
  }
  if (options.v !== undefined) spec.v = options.v.split(',').map((p, i) => parseNumber(p, `v[${i}]`));
  if (options.sample !== undefined) {
    if (options.sample !== 'epoch' && options.sample !== 'once') {
      throw new RangeError(`--policy ${kind}: sample must be epoch or once, got '${options.sample}'`);
    }
    spec.sampleV = options.sample;
  }
  if (options.compat !== undefined) {
    if (options.compat !== 'reference-code' && options.compat !== 'paper') {
      throw new RangeError(`--policy ${kind}: compat must be reference-code or paper, got '${options.compat}'`);
    }
    spec.compat = options.compat;
  }
  return spec;
}

export function createPolicy(policy: PolicySpec | string | MaskFunction | FreezePolicy, ctx: PolicyContext): FreezePolicy {
  if (typeof policy === 'function') return new FunctionPolicy(policy, ctx.units);
  if (typeof policy === 'string') return createPolicy(parsePolicy(policy), ctx);
  if ('mask' in policy) return policy;
  switch (policy.kind) {
    case 'none':
      return new NonePolicy(ctx.units.length);
    case 'freezeout':
      return new FreezeOutPolicy(ctx, policy);
    case 'layerout':
      return new LayerOutPolicy(ctx, policy, 'layerout');
    case 'efreeze':
    case 'dfreeze':
      return new LayerOutPolicy(ctx, { ...policy, v: manualVector(policy.kind, ctx.model, ctx.units.length) }, policy.kind);
    default:
      throw new RangeError(`unknown policy kind '${(policy as { kind: string }).kind}'`);
  }
}
