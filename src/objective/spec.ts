// A loss as the run configuration names it: `KIND[:key=value]` text or an object, resolved with
// every default (src/config/kind-spec.ts).
import { kindSpecs, type ResolvedKind } from '../config/kind-spec';
import { OBJECTIVES, type ObjectiveName } from './registry';

/** A loss with its settings (those left out take their defaults). */
export type LossSpec = { kind: 'cross-entropy'; labelSmoothing?: number } | { kind: 'huber'; delta?: number } | { kind: 'mse' | 'l1' | 'bce' };

/** A loss with every setting given: what run.json keeps and the model trains with. */
export type ResolvedLoss = ResolvedKind<ObjectiveName>;

export const LOSS_HELP = 'cross-entropy[:label-smoothing=S], mse, l1, huber[:delta=D], bce';

const specs = kindSpecs('loss', OBJECTIVES, LOSS_HELP);

export const checkLoss: (value: unknown) => ResolvedLoss = specs.check;
export const parseLoss: (text: string) => ResolvedLoss = specs.parse;
export const lossText: (spec: ResolvedLoss) => string = specs.text;

/** The addon's settings of a loss, by name (numbers). */
export function lossSettings(spec: ResolvedLoss): Record<string, number> {
  return Object.fromEntries(Object.keys(OBJECTIVES[spec.kind].settings).map((k) => [k, Number(spec[k])]));
}
