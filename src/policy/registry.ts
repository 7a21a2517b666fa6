// Every policy kind in one table: its options (key, help, parser) and its factory. Parsing, help
// and the PolicySpec type are all derived from this table, so a new kind or option is one edit
// here: e.g. `every=batch` for the LayerOut family is `oneOf('every', ['epoch', 'batch'])` added
// to their option lists (and the policy class reading `spec.every`).
import { LayerOutPolicy, manualVector } from './layerout';
import { epochs, intoField, oneOf, option, probabilities, runFraction, type OptionValue, type PolicyOption } from './options';
import { parseUnitSelection } from './pinned';
import { FreezeOutPolicy, NonePolicy } from './simple';
import type { FreezePolicy, PolicyContext } from './types';

/** Any policy option: `any` lets one table hold options of different value types; each entry's own type stays exact. */
export type AnyPolicyOption = PolicyOption<string, any>;

/** The spec a kind's options describe: `{ kind, <field>?: <parsed value>, ... }` (one flat object type). */
export type SpecOf<K extends string, O extends readonly AnyPolicyOption[]> = { [P in keyof ({ kind: K } & { [D in O[number] as D['field']]?: OptionValue<D> })]: ({ kind: K } & { [D in O[number] as D['field']]?: OptionValue<D> })[P] };

export interface PolicyKind<K extends string, O extends readonly AnyPolicyOption[]> {
  readonly kind: K;
  /** In the order help lists them. */
  readonly options: O;
  create(spec: SpecOf<K, O>, ctx: PolicyContext): FreezePolicy;
}

function policyKind<K extends string, O extends readonly AnyPolicyOption[]>(
  kind: K,
  options: [...O],
  create: (spec: SpecOf<K, O>, ctx: PolicyContext) => FreezePolicy,
): PolicyKind<K, O> {
  return { kind, options, create };
}

// Declared as constants: passed straight into another call, oneOf's choices widen to string.
const warmup = epochs('warmup');
const compat = oneOf('compat', ['reference-code', 'paper']);
const sampleWord = oneOf('sample', ['epoch', 'once']);
const sample = intoField(sampleWord, 'sampleV');
const spacing = oneOf('spacing', ['linear', 'cubic']);
// Granularity of the LayerOut family: one mask per epoch (the paper) or one per batch
// (stochastic-depth-like, also FreezeOut's granularity); see LayerOutPolicy.batchMasks.
const every = oneOf('every', ['epoch', 'batch']);
// Every kind: units frozen in every epoch (fine-tuning a backbone); the kind decides over the rest
// (createPolicy wraps it in a PinnedPolicy; src/policy/pinned.ts).
const freeze = option('freeze', 'UNITS', (text, name) => parseUnitSelection(text, name));

export const POLICIES = {
  none: policyKind('none', [freeze], (_spec, ctx) => new NonePolicy(ctx.units.length)),
  layerout: policyKind('layerout', [warmup, probabilities('v'), sample, compat, every, freeze], (spec, ctx) =>
    new LayerOutPolicy(ctx, spec, 'layerout'),
  ),
  // efreeze/dfreeze are LayerOut with the paper's manual vector for the model.
  efreeze: policyKind('efreeze', [warmup, compat, every, freeze], (spec, ctx) =>
    new LayerOutPolicy(ctx, { ...spec, v: manualVector('efreeze', ctx.model, ctx.units.length) }, 'efreeze'),
  ),
  dfreeze: policyKind('dfreeze', [warmup, compat, every, freeze], (spec, ctx) =>
    new LayerOutPolicy(ctx, { ...spec, v: manualVector('dfreeze', ctx.model, ctx.units.length) }, 'dfreeze'),
  ),
  freezeout: policyKind('freezeout', [runFraction('t0'), spacing, freeze], (spec, ctx) => new FreezeOutPolicy(ctx, spec)),
};

export type PolicyKindName = keyof typeof POLICIES;

/** A parsed policy: one member per kind, with that kind's optional fields. */
export type PolicySpec = { [K in PolicyKindName]: (typeof POLICIES)[K] extends PolicyKind<K, infer O> ? SpecOf<K, O> : never }[PolicyKindName];

/** The table as plain data, for code that handles every kind alike (parsing, help, dispatch). */
export interface AnyPolicyKind {
  readonly kind: string;
  readonly options: readonly AnyPolicyOption[];
  create(spec: PolicySpec, ctx: PolicyContext): FreezePolicy;
}

/** The entry for `kind`, or undefined (own keys only: 'constructor' is not a policy). */
export function policyKindOf(kind: string): AnyPolicyKind | undefined {
  return Object.hasOwn(POLICIES, kind) ? (POLICIES[kind as PolicyKindName] as unknown as AnyPolicyKind) : undefined;
}

export const POLICY_KINDS = Object.keys(POLICIES) as PolicyKindName[];
