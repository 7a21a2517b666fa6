// Policy strings (`layerout:warmup=20:compat=reference-code`, ...) and the factory, both driven by
// the table in registry.ts.
import { policyKindOf, POLICIES, POLICY_KINDS, type PolicySpec } from './registry';
import { FunctionPolicy } from './simple';
import { nearest } from '../validate';
import type { FreezePolicy, MaskFunction, PolicyContext } from './types';
import { parseUnitSelection, PinnedPolicy, selectUnits } from './pinned';

export type { FreezePolicy, MaskFunction, PolicyContext } from './types';
export type { PolicySpec, PolicyKind, PolicyKindName, SpecOf, AnyPolicyOption } from './registry';
export type { PolicyOption, OptionValue } from './options';
export type { LayerOutOptions, LayerOutState, Compat } from './layerout';
export type { FreezeOutOptions } from './simple';
export { StatelessPolicy } from './simple';
export type { RngState } from './rng';
export { LayerOutPolicy, leadingRun, manualVector } from './layerout';
export { FreezeOutPolicy, FunctionPolicy, NonePolicy } from './simple';
export { PinnedPolicy, selectUnits } from './pinned';

/** Every policy with its options, e.g. `layerout[:warmup=E][:v=P1,P2,...]...`. */
export const POLICY_HELP = POLICY_KINDS.map((kind) => kind + POLICIES[kind].options.map((o) => `[:${o.key}=${o.arg}]`).join('')).join(', ');

/** Parses a policy string; errors name the part that is wrong and what is allowed. */
export function parsePolicy(text: string): PolicySpec {
  const [kind, ...parts] = text.split(':');
  const entry = policyKindOf(kind);
  if (!entry) {
    const guess = nearest(kind, POLICY_KINDS);
    throw new RangeError(`policy: unknown policy '${kind}'${guess ? ` (did you mean '${guess}'?)` : ''}; allowed: ${POLICY_HELP}`);
  }
  const spec: Record<string, unknown> = { kind };
  const given = new Set<string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    const option = eq < 0 ? undefined : entry.options.find((o) => o.key === part.slice(0, eq));
    if (!option) {
      const allowed = entry.options.map((o) => `${o.key}=…`).join(', ') || 'none';
      throw new RangeError(`policy ${kind}: unknown or malformed option '${part}'; allowed: ${allowed}`);
    }
    if (given.has(option.key)) throw new RangeError(`policy ${kind}: ${option.key} is given twice`);
    given.add(option.key);
    try {
      spec[option.field] = option.parse(part.slice(eq + 1));
    } catch (e) {
      throw new RangeError(`policy ${kind}: ${(e as Error).message}`);
    }
  }
  return spec as PolicySpec;
}

export function createPolicy(policy: PolicySpec | string | MaskFunction | FreezePolicy, ctx: PolicyContext, freeze?: string): FreezePolicy {
  if (typeof policy === 'string') return createPolicy(parsePolicy(policy), ctx, freeze);
  if (typeof policy === 'function') {
    if (freeze === undefined) return new FunctionPolicy(policy, ctx.units);
    const pins = selectUnits(freeze, ctx.units);
    return new PinnedPolicy(new FunctionPolicy(policy, PinnedPolicy.freeUnits(ctx.units, pins)), pins, freeze);
  }
  if ('mask' in policy) {
    if (freeze !== undefined) throw new RangeError('freeze cannot be added to a policy object: freeze those units in its masks');
    return policy;
  }
  // Specs also arrive from JavaScript and from run folders' JSON, unchecked by the compiler.
  const spec = withFrozenUnits(policy, freeze) as PolicySpec & { freeze?: string };
  const entry = policyKindOf(spec.kind);
  if (!entry) throw new RangeError(`unknown policy kind '${spec.kind}'; allowed: ${POLICY_KINDS.join(', ')}`);
  const { freeze: pinned, ...rest } = spec;
  if (pinned === undefined) return entry.create(spec, ctx);
  // Pinned units: the kind sees only the others (its vector, if any, has one entry per free unit).
  const pins = selectUnits(pinned, ctx.units);
  return new PinnedPolicy(entry.create(rest as PolicySpec, { ...ctx, units: PinnedPolicy.freeUnits(ctx.units, pins) }), pins, pinned);
}

/**
 * A policy string or spec with `freeze` (units always frozen: the run option `--freeze`) as its
 * `freeze=` option, so run.json keeps it; a function or policy object is returned as it is
 * (createPolicy takes `freeze` for those). Naming units twice is an error.
 */
export function withFrozenUnits<P extends PolicySpec | string | MaskFunction | FreezePolicy>(policy: P, freeze: string | undefined): P | PolicySpec {
  if (freeze === undefined || typeof policy === 'function' || (typeof policy === 'object' && 'mask' in policy)) return policy;
  const spec = typeof policy === 'string' ? parsePolicy(policy) : (policy as PolicySpec);
  const given = (spec as { freeze?: string }).freeze;
  if (given !== undefined) throw new RangeError(`freeze is given twice: ${freeze} as the option and ${given} in the policy`);
  return { ...spec, freeze: parseUnitSelection(freeze) } as PolicySpec;
}
